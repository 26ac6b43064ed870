package org.corral.cli;

import java.util.List;

import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh start: Manager.StartContainer, optionally handing over some of the caller's fds. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start a defined container; returns when its init runs.",
            "With --pass-fds, the given open fds of corralctl (e.g. a socket systemd passed as fd 3) "
                + "reach init as fds 3, 4, ... with LISTEN_FDS and LISTEN_PID=1."})
final class StartCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = "--pass-fds", paramLabel = "FD", split = ",",
            description = "Comma-separated fd numbers to pass (at most 16), in that order.")
    List<Integer> passFds;

    @Override
    int run(Bus bus) {
        var fds = PassedFds.of(passFds);
        bus.manager().StartContainer(name, fds, new UInt32(0));
        out().println("Container " + name + " started");
        return 0;
    }
}
