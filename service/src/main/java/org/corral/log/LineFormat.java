package org.corral.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One event, one line: {@code 2026-11-29 19:19:05.979 INFO  Daemon: message} on a terminal,
 * {@code <6>Daemon: message} for journald (syslog priority, no time). A stack trace follows on
 * lines of its own (at priority 7 for journald, so that one exception is not many errors). The
 * same for corral's Log4j loggers and dbus-java's SLF4J ones.
 */
final class LineFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private LineFormat() {
    }

    static String shortName(String loggerName) {
        return loggerName.substring(loggerName.lastIndexOf('.') + 1);
    }

    static String line(boolean journal, String level, int syslogPriority, String shortName, String text,
            Throwable thrown) {
        StringBuilder line = new StringBuilder(64 + text.length());
        if (journal) {
            line.append('<').append(syslogPriority).append('>');
        } else {
            line.append(TIME.format(LocalDateTime.now())).append(' ');
            line.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
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
}
