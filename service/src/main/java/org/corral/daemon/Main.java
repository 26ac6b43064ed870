package org.corral.daemon;

/**
 * corrald's entry point. Chooses the log format before anything touches Log4j: under systemd
 * (JOURNAL_STREAM set) lines carry syslog priority prefixes that journald understands.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
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
        if (System.getProperty("log4j2.configurationFile") == null) {
            boolean journal = System.getenv("JOURNAL_STREAM") != null;
            System.setProperty("log4j2.configurationFile", journal ? "log4j2-journal.properties" : "log4j2.properties");
        }
        // Start-up cost matters for bus activation: no JMX beans for Log4j.
        System.setProperty("log4j2.disableJmx", "true");
        System.exit(new Daemon(settings).run());
    }
}
