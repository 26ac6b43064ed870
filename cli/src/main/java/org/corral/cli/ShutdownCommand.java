package org.corral.cli;

import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh shutdown: Manager.ShutdownContainer. */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = "Ask a container's init to power off (runlevel 0 through /dev/initctl, else SIGTERM); returns at once.")
final class ShutdownCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = "--mode", paramLabel = "MODE", description = "Only this way: ${COMPLETION-CANDIDATES}.")
    ShutdownMode mode;

    @Override
    int run(Bus bus) {
        bus.manager().ShutdownContainer(name, new UInt32(ShutdownMode.flags(mode)));
        out().println("Container " + name + " is being shutdown");
        return 0;
    }
}
