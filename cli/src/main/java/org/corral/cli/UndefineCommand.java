package org.corral.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh undefine: Manager.UndefineContainer. */
@Command(name = "undefine", mixinStandardHelpOptions = true,
        description = "Remove a container's persistent definition; a running container goes on as a transient one.")
final class UndefineCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Override
    int run(Bus bus) {
        bus.manager().UndefineContainer(name);
        out().println("Container " + name + " has been undefined");
        return 0;
    }
}
