package org.corral.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** virsh destroy: Manager.DestroyContainer. */
@Command(name = "destroy", mixinStandardHelpOptions = true,
        description = "Kill every process of a running container at once; returns when it is gone.")
final class DestroyCommand extends Verb {
    @Parameters(paramLabel = "NAME", description = "container name")
    String name;

    @Override
    int run(Bus bus) {
        bus.manager().DestroyContainer(name);
        out().println("Container " + name + " destroyed");
        return 0;
    }
}
