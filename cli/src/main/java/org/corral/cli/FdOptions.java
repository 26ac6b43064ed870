package org.corral.cli;

import java.util.List;

import picocli.CommandLine.Option;

/** --pass-fds and --fd-names, shared by start and create (a picocli mixin). */
final class FdOptions {
    @Option(names = "--pass-fds", paramLabel = "FD", split = ",",
            description = "Comma-separated fd numbers to pass (at most 16), in that order.")
    List<Integer> passFds;

    @Option(names = "--fd-names", paramLabel = "NAME", split = ",",
            description = "Names of the passed fds for LISTEN_FDNAMES, one per fd (sd_listen_fds_with_names).")
    List<String> fdNames;

    /** True when names were given: the ...WithFdNames methods are called. */
    boolean named() {
        return fdNames != null && !fdNames.isEmpty();
    }
}
