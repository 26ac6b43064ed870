package org.corral.daemon;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where corrald keeps things. Defaults are the packaged locations; tests and packagers override
 * them with options or environment variables (options win).
 */
record Settings(Path configDir, Path runtimeDir, Path supervisor, long idleTimeoutSeconds, Path networkDir) {

    static final Path DEFAULT_CONFIG_DIR = Path.of("/etc/corral/containers");
    static final Path DEFAULT_RUNTIME_DIR = Path.of("/run/corral");
    static final Path DEFAULT_NETWORK_DIR = Path.of("/etc/corral/networks");

    static final String USAGE = """
            usage: corrald [--config-dir DIR] [--runtime-dir DIR] [--supervisor PATH] [--network-dir DIR]
              --config-dir DIR   container definitions (default /etc/corral/containers, env CORRAL_CONFIG_DIR)
              --runtime-dir DIR  live state (default /run/corral, env CORRAL_RUNTIME_DIR)
              --network-dir DIR  network definitions (default /etc/corral/networks, env CORRAL_NETWORK_DIR)
              --supervisor PATH  corral-supervisor (default: ../../libexec/corral/ from the jars, env CORRAL_SUPERVISOR)
              --idle-timeout S   exit after S seconds without calls and without running containers
                                 (default 0: never; env CORRAL_IDLE_TIMEOUT)
            The bus is $DBUS_SYSTEM_BUS_ADDRESS, else the system bus.""";

    static Settings parse(String[] args, Map<String, String> env) {
        Path config = pathFrom(env.get("CORRAL_CONFIG_DIR"), DEFAULT_CONFIG_DIR);
        Path runtime = pathFrom(env.get("CORRAL_RUNTIME_DIR"), DEFAULT_RUNTIME_DIR);
        Path network = pathFrom(env.get("CORRAL_NETWORK_DIR"), DEFAULT_NETWORK_DIR);
        Path supervisor = pathFrom(env.get("CORRAL_SUPERVISOR"), defaultSupervisor());
        String idle = env.getOrDefault("CORRAL_IDLE_TIMEOUT", "0");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config-dir" -> config = Path.of(value(args, ++i, arg));
                case "--runtime-dir" -> runtime = Path.of(value(args, ++i, arg));
                case "--network-dir" -> network = Path.of(value(args, ++i, arg));
                case "--supervisor" -> supervisor = Path.of(value(args, ++i, arg));
                case "--idle-timeout" -> idle = value(args, ++i, arg);
                case "--help", "-h" -> throw new UsageException(null);
                default -> throw new UsageException("unknown argument '" + arg + "'");
            }
        }
        long idleSeconds;
        try {
            idleSeconds = Long.parseLong(idle);
        } catch (NumberFormatException e) {
            throw new UsageException("--idle-timeout needs a number of seconds, not '" + idle + "'");
        }
        if (idleSeconds < 0) {
            throw new UsageException("--idle-timeout can't be negative");
        }
        return new Settings(config.toAbsolutePath(), runtime.toAbsolutePath(), supervisor.toAbsolutePath(), idleSeconds,
                network.toAbsolutePath());
    }

    /** Installed next to the jars: usr/lib/corral/*.jar and usr/libexec/corral/corral-supervisor. */
    private static Path defaultSupervisor() {
        try {
            Path jar = Path.of(Settings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().resolve("../../libexec/corral/corral-supervisor").normalize();
            if (java.nio.file.Files.isExecutable(candidate)) {
                return candidate;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through to the packaged location
        }
        return Path.of("/usr/libexec/corral/corral-supervisor");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].isEmpty()) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static Path pathFrom(String value, Path fallback) {
        return value == null || value.isEmpty() ? fallback : Path.of(value);
    }

    /** Bad command line; a null message means --help. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
