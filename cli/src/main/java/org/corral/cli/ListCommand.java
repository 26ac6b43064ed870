package org.corral.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** virsh list; the work is {@link ContainerList}'s (which also runs plain command lines without picocli). */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the active containers (with --all: every one).",
            "A table of Id, Name and State; Id is the host PID of the container's init, \"-\" when it is not running. "
                + "Active: starting, running or stopping."})
final class ListCommand extends Verb {
    @Option(names = "--all", description = "List every container, also those shut off.")
    boolean all;

    @Option(names = "--name", description = "Print only the names, one per line.")
    boolean namesOnly;

    @Override
    int run(Bus bus) {
        return ContainerList.print(ContainerList.of(bus), all, namesOnly, out());
    }
}
