package org.corral.it.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.corral.it.Cli;
import org.corral.it.Install;

/**
 * The installed corralctl (install-root/usr/bin/corralctl) run as users and unit files do: on a
 * given bus (DBUS_SYSTEM_BUS_ADDRESS), with the test JVM's java as CORRAL_JAVA, without the class
 * archive cache (CORRAL_CLI_CDS=0; CorralctlInstallTest covers it) and without CORRAL_BUS_ADDRESS
 * unless a test sets it.
 */
final class Corralctl {
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final Path binary;
    private final String address;

    Corralctl(Install install, String address) {
        this.binary = install.resolve("usr/bin/corralctl");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing from the install tree");
        }
        this.address = address;
    }

    Path binary() {
        return binary;
    }

    /** corralctl ARGS on this bus. */
    Cli.Result run(String... args) {
        return run(Map.of(), args);
    }

    /** corralctl ARGS with extra environment (a value of null removes the variable). */
    Cli.Result run(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, env);
    }

    /**
     * {@code sh -c SCRIPT sh ARGS...} with $CORRALCTL naming the installed corralctl: for fd
     * redirections, pipes and stdin, which ProcessBuilder cannot set up.
     */
    Cli.Result sh(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return exec(cmd, Map.of("CORRALCTL", binary.toString()));
    }

    private Cli.Result exec(List<String> command, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("DBUS_SYSTEM_BUS_ADDRESS", address);
        env.put("CORRAL_JAVA", Install.java());
        env.put("CORRAL_CLI_CDS", "0");
        List<String> unset = new ArrayList<>(List.of("CORRAL_BUS_ADDRESS", "CORRAL_JAVA_OPTS"));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (e.getValue() == null) {
                env.remove(e.getKey());
                unset.add(e.getKey());
            } else {
                env.put(e.getKey(), e.getValue());
                unset.remove(e.getKey());
            }
        }
        List<String> cmd = new ArrayList<>(List.of("env"));
        for (String u : unset) {
            cmd.add("-u");
            cmd.add(u);
        }
        cmd.addAll(command);
        return Cli.exec(cmd, env, TIMEOUT);
    }
}
