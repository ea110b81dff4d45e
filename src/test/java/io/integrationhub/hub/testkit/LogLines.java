package io.integrationhub.hub.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The log lines of the test JVM (INFO and up) while it is open, each as {@code <MDC trace id>|<message>}:
 * an appender added to log4j2's root logger, removed again on close.
 */
public final class LogLines extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogLines() {
        super("test-log-lines", null, PatternLayout.newBuilder().withPattern("%X{CAMEL_TRACE_ID}|%msg").build(), true,
                Property.EMPTY_ARRAY);
    }

    public static LogLines capture() {
        LogLines appender = new LogLines();
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(appender, Level.INFO, null);
        context.updateLoggers();
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        lines.add(getLayout().toSerializable(event).toString());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
