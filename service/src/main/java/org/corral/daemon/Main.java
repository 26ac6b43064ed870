package org.corral.daemon;

/** corrald's entry point: the settings from the command line, then the daemon's life. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Before anything logs: corral's own Log4j backend, even when an old install left a
        // log4j-core jar beside the others (it would win on priority, unconfigured).
        System.setProperty("log4j.provider", org.corral.log.LineLogProvider.class.getName());
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
        // Before anything else: the connection is made while the daemon loads its state.
        BusConnector bus = BusConnector.start();
        System.exit(new Daemon(settings, bus).run());
    }
}
