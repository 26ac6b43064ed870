package org.corral.cli;

import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** virsh start: Manager.StartContainer, optionally handing over some of the caller's fds. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start a defined container; returns when its init runs.",
            "With --pass-fds, the given open fds of corralctl (e.g. a socket systemd passed as fd 3) "
                + "reach init as fds 3, 4, ... with LISTEN_FDS and LISTEN_PID=1."})
final class StartCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Mixin
    FdOptions fdOptions = new FdOptions();

    @Override
    int run(Bus bus) {
        var fds = PassedFds.of(fdOptions.passFds);
        if (!fdOptions.named()) {
            bus.manager().StartContainer(name, fds, new UInt32(0));
        } else {
            bus.manager().StartContainerWithFdNames(name, fds, fdOptions.fdNames, new UInt32(0));
        }
        out().println("Container " + name + " started");
        return 0;
    }
}
