package org.corral.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which command lines the picocli-free path of {@code list} takes, and which it leaves to picocli. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerListTest {
    private static final String NOWHERE = "unix:path=/nonexistent/corral-test-bus";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Integer run(String... args) {
        return ContainerList.runIfPlain(args, Map.of("CORRAL_BUS_ADDRESS", NOWHERE),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void leavesEveryOtherCommandLineToPicocli() {
        String[][] others = {
            {}, {"--help"}, {"list", "--help"}, {"list", "-h"}, {"list", "--bogus"}, {"lsit"},
            {"--all", "list"}, {"list", "--all", "--all"}, {"list", "list"}, {"list", "--bus"},
            {"--bus", NOWHERE, "--bus", NOWHERE, "list"}, {"list", "vm1"}, {"dumpxml", "vm1"}, {"-v", "-v", "list"},
        };
        for (String[] args : others) {
            assertNull(run(args), String.join(" ", args));
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void takesPlainListLinesAndReportsTheBusItCouldNotReach() {
        String other = "unix:path=/nonexistent/other-bus";
        String[][] plain = {
            {"list"}, {"list", "--all"}, {"list", "--name", "--all"}, {"-v", "list"}, {"list", "--verbose"},
            {"--bus", other, "list"}, {"list", "--all", "--bus=" + other},
        };
        for (String[] args : plain) {
            err.reset();
            assertEquals(ErrorPrinter.FAILED, run(args), String.join(" ", args));
            String expected = String.join(" ", args).contains(other) ? other : NOWHERE;
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("corralctl: cannot connect to the bus at " + expected),
                    err.toString(StandardCharsets.UTF_8));
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
