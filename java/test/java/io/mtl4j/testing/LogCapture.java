package io.mtl4j.testing;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.StringWriter;

/** The log's messages, one per line, for tests of what a run says. */
public final class LogCapture {
    private LogCapture() {
    }

    /** Copies the log's messages into {@code log} until closed. */
    public static AutoCloseable into(StringWriter log) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        WriterAppender appender = WriterAppender.newBuilder().setName("test-capture-" + System.identityHashCode(log)).setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%msg%n").build()).build();
        appender.start();
        context.getRootLogger().addAppender(appender);
        return () -> {
            context.getRootLogger().removeAppender(appender);
            appender.stop();
        };
    }
}
