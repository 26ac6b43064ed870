package org.corral.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LineLoggerTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private LineLogger logger(boolean journal, Level level) {
        return new LineLogger("org.corral.daemon.Daemon", level, journal, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTerminalLineHasTimeLevelShortNameAndTheFormattedMessage() {
        logger(false, Level.INFO).info("serving {} with {} container(s)", "org.corral1", 3);
        assertTrue(out().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Daemon: serving org.corral1 with 3 container\\(s\\)\n"),
                out());
    }

    @Test
    void journalLinesCarryTheSyslogPriorityAndNoTime() {
        LineLogger l = logger(true, Level.INFO);
        l.warn("w");
        l.error("e");
        l.info("i");
        assertEquals("<4>Daemon: w\n<3>Daemon: e\n<6>Daemon: i\n", out());
    }

    @Test
    void aStackTraceFollowsAtDebugPriorityForJournald() {
        logger(true, Level.INFO).error("failed", new IllegalStateException("boom"));
        String[] lines = out().split("\n");
        assertEquals("<3>Daemon: failed", lines[0]);
        assertEquals("<7>java.lang.IllegalStateException: boom", lines[1]);
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith("<7>"), lines[i]);
        }
    }

    @Test
    void belowItsLevelNothingIsWritten() {
        LineLogger l = logger(false, Level.WARN);
        l.info("quiet");
        assertFalse(l.isInfoEnabled());
        assertEquals("", out());
    }

    @Test
    void dbusJavaLogsWarningsOnlyAndCorralLogLevelSetsCorrals() {
        LogSettings s = LogSettings.from(Map.of("CORRAL_LOG_LEVEL", "debug", "JOURNAL_STREAM", "8:1"));
        assertEquals(Level.DEBUG, s.levelOf("org.corral.launcher.Launcher"));
        assertEquals(Level.WARN, s.levelOf("org.freedesktop.dbus.connections.AbstractConnection"));
        assertTrue(s.journal());
        assertEquals(Level.INFO, LogSettings.from(Map.of("CORRAL_LOG_LEVEL", "nonsense")).corral());
    }

    @Test
    void theLog4jApiFindsThisBackend() {
        assertInstanceOf(LineLogger.class, LogManager.getLogger("org.corral.test"));
    }

    @Test
    void dbusJavasSlf4jLoggersWriteTheSameLinesAndOnlyWarningsByDefault() {
        Slf4jLineLogger l = new Slf4jLineLogger("org.freedesktop.dbus.connections.AbstractConnection", Level.WARN, true,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        l.info("hidden {}", 1);
        l.warn("refused {} of {}", "call", "x");
        assertFalse(l.isInfoEnabled());
        assertEquals("<4>AbstractConnection: refused call of x\n", out());
    }

    @Test
    void slf4jFindsThisBinding() {
        assertEquals("org.corral.log.Slf4jLineLogger",
                org.slf4j.LoggerFactory.getLogger("org.freedesktop.dbus.Test").getClass().getName());
    }
}
