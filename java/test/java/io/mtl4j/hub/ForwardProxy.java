package io.mtl4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A plain-HTTP forward proxy on 127.0.0.1: a client that uses it sends the absolute URI in the
 * request line ({@code GET http://host:port/path HTTP/1.1}); the proxy records it and forwards
 * the request directly, passing the status, headers and body back.
 */
final class ForwardProxy implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<String> seen = new CopyOnWriteArrayList<>();
    /** When set, requests without {@code Proxy-Authorization: <this>} get a 407. */
    volatile String requiredAuthorization;

    ForwardProxy() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** For HTTP_PROXY: {@code http://127.0.0.1:port}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The absolute URIs of the requests that went through, as "METHOD uri". */
    List<String> seen() {
        return List.copyOf(seen);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI target = exchange.getRequestURI();
            String required = requiredAuthorization;
            if (required != null && !required.equals(exchange.getRequestHeaders().getFirst("Proxy-Authorization"))) {
                exchange.getResponseHeaders().set("Proxy-Authenticate", "Basic realm=\"proxy\"");
                exchange.sendResponseHeaders(407, -1);
                return;
            }
            seen.add(exchange.getRequestMethod() + " " + target);
            if (!target.isAbsolute()) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            HttpURLConnection conn = (HttpURLConnection) target.toURL().openConnection(Proxy.NO_PROXY);
            conn.setInstanceFollowRedirects(false);
            conn.setRequestMethod(exchange.getRequestMethod());
            for (String name : new String[] {"Authorization", "Range", "User-Agent", "Accept-Encoding"}) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value != null) {
                    conn.setRequestProperty(name, value);
                }
            }
            int status = conn.getResponseCode();
            for (Map.Entry<String, List<String>> header : conn.getHeaderFields().entrySet()) {
                String name = header.getKey();
                if (name != null && !name.equalsIgnoreCase("Transfer-Encoding") && !name.equalsIgnoreCase("Content-Length")
                        && !name.equalsIgnoreCase("Connection")) {
                    exchange.getResponseHeaders().put(name, header.getValue());
                }
            }
            InputStream in = status >= 400 ? conn.getErrorStream() : conn.getInputStream();
            byte[] body = in == null ? new byte[0] : in.readAllBytes();
            if (exchange.getRequestMethod().equals("HEAD")) {
                String length = conn.getHeaderField("Content-Length");
                if (length != null) {
                    exchange.getResponseHeaders().set("Content-Length", length);
                }
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
