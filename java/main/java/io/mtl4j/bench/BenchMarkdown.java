package io.mtl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/** bench.md: the results of {@code bench all} as Markdown, one table of flattened keys per part. */
final class BenchMarkdown {
    private BenchMarkdown() {
    }

    static String render(JsonNode root) {
        StringBuilder md = new StringBuilder("# mtl4j benchmarks\n\n");
        JsonNode m = root.get("machine");
        md.append("Machine: ").append(m.get("cpus").asInt()).append(" CPUs, ").append(m.get("cpu_model").asText())
                .append(". Load average (1 min) at start ").append(first(root.at("/load_average/start")))
                .append(", at end ").append(first(root.at("/load_average/end")))
                .append(" (the machine may be shared: timings are noisy).\n");
        for (String part : new String[]{"data", "pcgrad", "train", "eval"}) {
            JsonNode p = root.get(part);
            if (p == null) {
                continue;
            }
            md.append("\n## bench ").append(part).append("\n\n`").append(p.get("command").asText()).append("`: ")
                    .append(p.get("seconds").asText()).append(" s, exit code ").append(p.get("exit_code").asInt())
                    .append("\n\n");
            if (p.has("error")) {
                md.append("Error: ").append(p.get("error").asText()).append("\n\n");
            }
            if (p.has("result")) {
                md.append("| key | value |\n|---|---|\n");
                flatten("", p.get("result"), md);
            }
        }
        return md.toString();
    }

    private static String first(JsonNode array) {
        return array.isArray() && !array.isEmpty() ? array.get(0).asText() : "n/a";
    }

    private static void flatten(String prefix, JsonNode node, StringBuilder md) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), md);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "[" + i + "]", node.get(i), md);
            }
        } else {
            md.append("| ").append(prefix).append(" | ").append(node.isNull() ? "null" : node.asText().replace("|", "\\|"))
                    .append(" |\n");
        }
    }
}
