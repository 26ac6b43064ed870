package org.corral.launcher;

import java.nio.file.Path;

/** The files of one running container under the runtime directory (default /run/corral). */
public record LaunchPaths(Path runtimeDir, String name) {

    /** The supervisor's control socket; the service reconnects here after a restart. */
    public Path socket() {
        return runtimeDir.resolve(name + ".sock");
    }

    /** Written by the supervisor when init ends: "exited CODE SIGNAL TIME". */
    public Path exitFile() {
        return runtimeDir.resolve(name + ".exit");
    }

    /** Everything the container wrote to its first console. */
    public Path consoleLog() {
        return runtimeDir.resolve(name + ".console");
    }

    /** The supervisor's own stderr. */
    public Path supervisorLog() {
        return runtimeDir.resolve(name + ".log");
    }

    /** The live state the service needs to re-attach (see LiveState). */
    public Path stateFile() {
        return runtimeDir.resolve(name + ".state");
    }

    /**
     * An empty directory where a container without a root of its own has its /sys built
     * before it is moved into place (the mount exists only in the container's namespace).
     */
    public Path sysStaging() {
        return runtimeDir.resolve(name + ".sys");
    }

    /**
     * Where a block device or image root ({@code <filesystem type='block'|'file'>} at '/') is
     * mounted, in the container's namespace only, before it becomes the root.
     */
    public Path blockRoot() {
        return runtimeDir.resolve(name + ".root");
    }

    /** Where the other block/image filesystems are first mounted, one numbered directory each. */
    public Path blockStaging() {
        return runtimeDir.resolve(name + ".mnt");
    }

    /** The live definition, as GetXML(0) returns it while the container runs. */
    public Path liveXml() {
        return runtimeDir.resolve(name + ".xml");
    }
}
