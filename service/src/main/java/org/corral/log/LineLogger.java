package org.corral.log;

import java.io.PrintStream;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.simple.SimpleLogger;
import org.apache.logging.log4j.util.PropertiesUtil;

/**
 * A Log4j logger writing {@link LineFormat}'s lines. Level checks are the Log4j API's
 * SimpleLogger's; only the line is corral's.
 */
final class LineLogger extends SimpleLogger {

    private final String shortName;
    private final boolean journal;
    private final PrintStream out;

    LineLogger(String name, Level level, boolean journal, PrintStream out) {
        super(name, level, false, false, false, false, null, null, PropertiesUtil.getProperties(), out);
        this.shortName = LineFormat.shortName(name);
        this.journal = journal;
        this.out = out;
    }

    @Override
    public void logMessage(String fqcn, Level level, Marker marker, Message message, Throwable thrown) {
        out.print(format(level, message.getFormattedMessage(), thrown == null ? message.getThrowable() : thrown));
    }

    String format(Level level, String text, Throwable thrown) {
        return LineFormat.line(journal, level.name(), syslogPriority(level), shortName, text, thrown);
    }

    static int syslogPriority(Level level) {
        if (level.isMoreSpecificThan(Level.FATAL)) {
            return 2;
        }
        if (level.isMoreSpecificThan(Level.ERROR)) {
            return 3;
        }
        if (level.isMoreSpecificThan(Level.WARN)) {
            return 4;
        }
        return level.isMoreSpecificThan(Level.INFO) ? 6 : 7;
    }
}
