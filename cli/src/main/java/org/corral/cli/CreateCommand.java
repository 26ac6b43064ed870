package org.corral.cli;

import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** virsh create: Manager.CreateXML, a transient container. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Start a transient container from a domain XML file (- for stdin).",
            "It is not stored, and is gone once it stops.",
            "With --pass-fds, the given open fds reach init as fds 3, 4, ... with LISTEN_FDS and LISTEN_PID=1."})
final class CreateCommand extends Verb {
    @Parameters(paramLabel = "FILE", description = "libvirt domain XML, type='lxc'")
    String file;

    @Mixin
    FdOptions fdOptions = new FdOptions();

    @Override
    int run(Bus bus) {
        String xml = XmlFiles.read(file);
        var fds = PassedFds.of(fdOptions.passFds);
        String path = (!fdOptions.named()
                ? bus.manager().CreateXML(xml, fds, new UInt32(0))
                : bus.manager().CreateXMLWithFdNames(xml, fds, fdOptions.fdNames, new UInt32(0))).getPath();
        out().println("Container " + ObjectPaths.containerName(path) + " created from " + file);
        return 0;
    }
}
