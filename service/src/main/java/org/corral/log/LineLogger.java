package org.corral.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.simple.SimpleLogger;
import org.apache.logging.log4j.util.PropertiesUtil;

/**
 * One event, one line: {@code 2026-11-29 19:19:05.979 INFO  Daemon: message} on a terminal,
 * {@code <6>Daemon: message} for journald (syslog priority, no time). A stack trace follows on
 * lines of its own (at priority 7 for journald, so that one exception is not many errors).
 * Level checks are the Log4j API's SimpleLogger's; only the line is corral's.
 */
final class LineLogger extends SimpleLogger {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final String shortName;
    private final boolean journal;
    private final PrintStream out;

    LineLogger(String name, Level level, boolean journal, PrintStream out) {
        super(name, level, false, false, false, false, null, null, PropertiesUtil.getProperties(), out);
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
        this.journal = journal;
        this.out = out;
    }

    @Override
    public void logMessage(String fqcn, Level level, Marker marker, Message message, Throwable thrown) {
        out.print(format(level, message.getFormattedMessage(), thrown == null ? message.getThrowable() : thrown));
    }

    String format(Level level, String text, Throwable thrown) {
        StringBuilder line = new StringBuilder(64 + text.length());
        if (journal) {
            line.append('<').append(syslogPriority(level)).append('>');
        } else {
            line.append(TIME.format(LocalDateTime.now())).append(' ');
            String name = level.name();
            line.append(name).append(" ".repeat(Math.max(1, 6 - name.length())));
        }
        line.append(shortName).append(": ").append(text).append('\n');
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            String t = trace.toString();
            line.append(journal ? "<7>" + t.stripTrailing().replace("\n", "\n<7>") + "\n" : t);
        }
        return line.toString();
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
