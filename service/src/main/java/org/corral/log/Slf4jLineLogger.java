package org.corral.log;

import java.io.PrintStream;

import org.apache.logging.log4j.Level;
import org.slf4j.Marker;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger writing {@link LineFormat}'s lines (see {@link Slf4jLineProvider}). */
final class Slf4jLineLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final transient Level threshold;
    private final boolean journal;
    private final transient PrintStream out;
    private final String shortName;

    Slf4jLineLogger(String name, Level threshold, boolean journal, PrintStream out) {
        this.name = name;
        this.threshold = threshold;
        this.journal = journal;
        this.out = out;
        this.shortName = LineFormat.shortName(name);
    }

    private boolean enabled(Level level) {
        return threshold.isLessSpecificThan(level);
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(org.slf4j.event.Level level, Marker marker, String pattern,
            Object[] arguments, Throwable thrown) {
        Level l = Level.valueOf(level.name());
        out.print(LineFormat.line(journal, l.name(), LineLogger.syslogPriority(l), shortName,
                MessageFormatter.basicArrayFormat(pattern, arguments), thrown));
    }
}
