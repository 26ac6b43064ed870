package org.corral.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * corralctl: virsh's container verbs over the org.corral1 D-Bus API. Exit status: 0 done,
 * 1 failed (the D-Bus error's message on stderr), 2 usage error; {@code enter} exits with the
 * command's own status.
 */
@Command(name = "corralctl",
        mixinStandardHelpOptions = true,
        versionProvider = Corralctl.Version.class,
        synopsisSubcommandLabel = "VERB",
        description = "Manages the Linux containers of corral (org.corral1) the way virsh does for libvirt's LXC driver.",
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  CORRAL_BUS_ADDRESS       bus to use when --bus is not given",
            "  DBUS_SYSTEM_BUS_ADDRESS  next choice; the default is the system bus",
            "",
            "Exit status: 0 done, 1 failed, 2 usage error; enter: the command's status."
        })
public final class Corralctl implements Runnable {

    @Option(names = "--bus", paramLabel = "ADDRESS", scope = ScopeType.INHERIT,
            description = "D-Bus address of the bus org.corral1 is on (e.g. unix:path=/run/dbus/system_bus_socket).")
    String bus;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print the D-Bus error name along with the message.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing verb");
    }

    /** The bus address this run uses. */
    String busAddress() {
        return Bus.address(bus, System.getenv());
    }

    /** Connects to the bus (see {@link Bus}). */
    Bus connect() {
        return Bus.connect(busAddress());
    }

    public static void main(String[] args) {
        quietLogging();
        Integer quick = ContainerList.runIfPlain(args, System.getenv(), System.out, System.err);
        int status = quick != null ? quick : execute(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /**
     * The verbs, by name (aliases included). picocli builds a command's model by reflection, which
     * costs start-up time per verb, so a run gets only the verb it names (all of them when it
     * names none or an unknown one, for the usage message and "did you mean").
     */
    static final Map<String, Supplier<Verb>> VERBS = verbs();

    private static Map<String, Supplier<Verb>> verbs() {
        Map<String, Supplier<Verb>> m = new LinkedHashMap<>();
        m.put("define", DefineCommand::new);
        m.put("dumpxml", DumpxmlCommand::new);
        m.put("undefine", UndefineCommand::new);
        m.put("start", StartCommand::new);
        m.put("create", CreateCommand::new);
        m.put("shutdown", ShutdownCommand::new);
        m.put("reboot", RebootCommand::new);
        m.put("destroy", DestroyCommand::new);
        m.put("list", ListCommand::new);
        m.put("stats", StatsCommand::new);
        m.put("top", TopCommand::new);
        m.put("console", ConsoleCommand::new);
        m.put("enter", EnterCommand::new);
        m.put("lxc-enter-namespace", EnterCommand::new);
        return m;
    }

    /** Runs one command line; returns the exit status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        return commandLine(verbNamed(args), out, err).execute(args);
    }

    /** The verb a command line names (the first word that is neither an option nor --bus's value), or null. */
    static String verbNamed(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.equals("--bus")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    /** The command line with the given verb only, or with every verb when it is null or unknown. */
    static CommandLine commandLine(String verb, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Corralctl());
        Supplier<Verb> one = verb == null ? null : VERBS.get(verb);
        if (one != null) {
            cl.addSubcommand(one.get());
        } else {
            for (Map.Entry<String, Supplier<Verb>> e : VERBS.entrySet()) {
                if (!e.getKey().equals("lxc-enter-namespace")) {
                    cl.addSubcommand(e.getValue().get());
                }
            }
        }
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new ErrorPrinter(err));
        return cl;
    }

    /** Every verb: for the usage message and the completion script. */
    static CommandLine fullCommandLine() {
        return commandLine(null, System.out, System.err);
    }

    /**
     * dbus-java logs through slf4j, which has no binding here: pick its no-op provider
     * explicitly so slf4j neither scans the class path nor warns on stderr.
     */
    static void quietLogging() {
        setIfAbsent("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        setIfAbsent("slf4j.internal.verbosity", "ERROR");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** "corralctl VERSION" from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Corralctl.class.getPackage().getImplementationVersion();
            return new String[] {"corralctl " + (v == null ? "(development build)" : v)};
        }
    }

    /** For tests: the environment-independent address choice. */
    static String addressFor(String option, Map<String, String> env) {
        return Bus.address(option, env);
    }
}
