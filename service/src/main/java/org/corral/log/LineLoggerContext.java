package org.corral.log;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.logging.log4j.message.MessageFactory;
import org.apache.logging.log4j.spi.ExtendedLogger;
import org.apache.logging.log4j.spi.LoggerContext;

/** The loggers by name, each with the level {@link LogSettings} gives its name. */
final class LineLoggerContext implements LoggerContext {

    static final LineLoggerContext INSTANCE = new LineLoggerContext(LogSettings.fromEnvironment());

    private final LogSettings settings;
    private final Map<String, LineLogger> loggers = new ConcurrentHashMap<>();

    LineLoggerContext(LogSettings settings) {
        this.settings = settings;
    }

    @Override
    public Object getExternalContext() {
        return null;
    }

    @Override
    public ExtendedLogger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new LineLogger(n, settings.levelOf(n), settings.journal(), System.err));
    }

    /** Messages are always formatted the Log4j API's default way ({} placeholders). */
    @Override
    public ExtendedLogger getLogger(String name, MessageFactory messageFactory) {
        return getLogger(name);
    }

    @Override
    public boolean hasLogger(String name) {
        return loggers.containsKey(name);
    }

    @Override
    public boolean hasLogger(String name, MessageFactory messageFactory) {
        return hasLogger(name);
    }

    @Override
    public boolean hasLogger(String name, Class<? extends MessageFactory> messageFactoryClass) {
        return hasLogger(name);
    }
}
