package org.corral.cli;

import org.corral1.Container;
import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** virsh dumpxml: Manager.GetContainerXML. */
@Command(name = "dumpxml", mixinStandardHelpOptions = true,
        description = "Print a container's domain XML: the live one of a running container, else the stored one.")
final class DumpxmlCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Option(names = "--inactive", description = "Print the persistent definition even while the container runs.")
    boolean inactive;

    @Override
    int run(Bus bus) {
        String xml = bus.manager().GetContainerXML(name, new UInt32(inactive ? Container.XML_INACTIVE : 0));
        out().print(xml.endsWith("\n") ? xml : xml + "\n");
        return 0;
    }
}
