package org.corral.cli;

import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh reboot: Manager.RebootContainer. */
@Command(name = "reboot", mixinStandardHelpOptions = true,
        description = "Ask a container's init to reboot (runlevel 6 through /dev/initctl, else SIGHUP); returns at once.")
final class RebootCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = "--mode", paramLabel = "MODE", description = "Only this way: ${COMPLETION-CANDIDATES}.")
    ShutdownMode mode;

    @Override
    int run(Bus bus) {
        bus.manager().RebootContainer(name, new UInt32(ShutdownMode.flags(mode)));
        out().println("Container " + name + " is being rebooted");
        return 0;
    }
}
