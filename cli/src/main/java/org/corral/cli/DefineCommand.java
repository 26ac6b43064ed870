package org.corral.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh define: Manager.DefineXML. */
@Command(name = "define", mixinStandardHelpOptions = true,
        description = "Define (or redefine) a persistent container from a domain XML file (- for stdin).")
final class DefineCommand extends Verb {
    @Parameters(paramLabel = "FILE", description = "libvirt domain XML, type='lxc'")
    String file;

    @Override
    int run(Bus bus) {
        String xml = XmlFiles.read(file);
        String path = bus.manager().DefineXML(xml).getPath();
        out().println("Container " + ObjectPaths.containerName(path) + " defined from " + file);
        return 0;
    }
}
