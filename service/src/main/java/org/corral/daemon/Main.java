package org.corral.daemon;

import org.corral.store.ConfigStore;

/** corrald's entry point: the settings from the command line, then the daemon's life. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Before anything logs: corral's own Log4j backend, even when an old install left a
        // log4j-core jar beside the others (it would win on priority, unconfigured).
        System.setProperty("log4j.provider", org.corral.log.LineLogProvider.class.getName());
        // Named, dbus-java's SLF4J binding needs no search through every jar of the class path
        // (on the thread that connects to the bus).
        System.setProperty("slf4j.provider", org.corral.log.Slf4jLineProvider.class.getName());
        System.setProperty("slf4j.internal.verbosity", "WARN"); // not a line per start saying so
        Settings settings;
        try {
            settings = Settings.parse(args, System.getenv());
        } catch (Settings.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("corrald: " + e.getMessage());
            }
            System.err.println(Settings.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        // Before anything else: the connection is made, and the definitions read, while the
        // daemon loads the rest of its state.
        BusConnector bus = BusConnector.start();
        ConfigStore store = new ConfigStore(settings.configDir());
        DefinitionLoader definitions = DefinitionLoader.start(store);
        BusConnector.prepareAuthentication();
        System.exit(new Daemon(settings, bus, store, definitions).run());
    }
}
