package org.corral.log;

import java.util.Locale;
import java.util.Map;

import org.apache.logging.log4j.Level;

/**
 * Levels and format: INFO, dbus-java ({@code org.freedesktop}) at WARN since it reports every
 * refused call, which the service logs once itself; CORRAL_LOG_LEVEL (error, warn, info, debug,
 * trace) sets corral's own level. Under systemd (JOURNAL_STREAM set) lines carry syslog priority
 * prefixes instead of a time, which journald adds.
 */
record LogSettings(Level corral, Level others, boolean journal) {

    static LogSettings fromEnvironment() {
        return from(System.getenv());
    }

    static LogSettings from(Map<String, String> env) {
        Level level = Level.INFO;
        String asked = env.get("CORRAL_LOG_LEVEL");
        if (asked != null && !asked.isBlank()) {
            level = Level.toLevel(asked.trim().toUpperCase(Locale.ROOT), Level.INFO);
        }
        return new LogSettings(level, Level.WARN, env.get("JOURNAL_STREAM") != null);
    }

    Level levelOf(String loggerName) {
        return loggerName.startsWith("org.freedesktop") ? others : corral;
    }
}
