package org.corral.bus;

import java.util.ArrayList;
import java.util.List;

import org.corral.core.ContainerRegistry;
import org.corral.core.CorralException;
import org.corral.core.Lifecycle;
import org.corral.launcher.Launcher;
import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.types.UInt32;

/**
 * The per-container verbs, shared by the container objects and the Manager's name-first
 * variants (machined's pattern): validate the arguments, authorize, act.
 */
final class ContainerVerbs {

    private final ContainerRegistry registry;
    private final Lifecycle lifecycle;
    private final Authorizer authorizer;

    ContainerVerbs(ContainerRegistry registry, Lifecycle lifecycle, Authorizer authorizer) {
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.authorizer = authorizer;
    }

    Authorizer authorizer() {
        return authorizer;
    }

    Lifecycle lifecycle() {
        return lifecycle;
    }

    void start(String name, List<FileDescriptor> fds, UInt32 flags) throws CorralException {
        start(name, fds, List.of(), flags);
    }

    void start(String name, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags) throws CorralException {
        try {
            requireNoFlags("Start", flags);
            List<Integer> ints = fdNumbers(fds);
            registry.lookup(name);
            authorizer.authorize(Authorizer.MANAGE, "start", name);
            lifecycle.start(name, ints, fdNames);
        } finally {
            closeAll(fds);
        }
    }

    void shutdown(String name, UInt32 flags) throws CorralException {
        registry.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "shutdown", name);
        lifecycle.shutdown(name, flags.intValue());
    }

    void reboot(String name, UInt32 flags) throws CorralException {
        registry.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "reboot", name);
        lifecycle.reboot(name, flags.intValue());
    }

    void destroy(String name) throws CorralException {
        registry.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "destroy", name);
        lifecycle.destroy(name);
    }

    /** The relay socket of a console, handed to the caller; closed here after the reply is out. */
    FileDescriptor openConsole(String name, String devname, UInt32 flags) throws CorralException {
        if ((flags.longValue() & ~org.corral1.Container.CONSOLE_FORCE) != 0) {
            throw CorralException.invalidArgs(String.format("OpenConsole: unsupported flags 0x%x (known: 0x1 force)", flags.longValue()));
        }
        registry.lookup(name);
        authorizer.authorize(Authorizer.CONSOLE, "console", name);
        int fd = lifecycle.openConsole(name, devname, (flags.longValue() & org.corral1.Container.CONSOLE_FORCE) != 0);
        ReturnedFds.closeLater(fd);
        return new FileDescriptor(fd);
    }

    /** Starts a command inside; its end goes out as ExecExited from the container's object. */
    UInt32 exec(String name, List<String> argv, List<String> env, List<FileDescriptor> stdio, UInt32 flags,
            ExecEnds ends) throws CorralException {
        try {
            requireNoFlags("Exec", flags);
            List<Integer> fds = fdNumbers(stdio);
            registry.lookup(name);
            authorizer.authorize(Authorizer.ENTER, "exec", name);
            var p = lifecycle.exec(name, argv, env, fds, (proc, status) -> ends.ended(name, proc.id(), status));
            return new UInt32(p.id());
        } finally {
            closeAll(stdio);
        }
    }

    /** Where the end of an Exec'ed command is announced. */
    interface ExecEnds {
        void ended(String container, long id, org.corral.launcher.ExitStatus status);
    }

    void undefine(String name) throws CorralException {
        registry.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "undefine", name);
        registry.undefine(name);
    }

    static void requireNoFlags(String method, UInt32 flags) throws CorralException {
        if (flags.longValue() != 0) {
            throw CorralException.invalidArgs(String.format("%s: unsupported flags 0x%x (none are defined)", method, flags.longValue()));
        }
    }

    /** The numbers of fds received with the call; they stay owned by the caller of this method. */
    static List<Integer> fdNumbers(List<FileDescriptor> fds) throws CorralException {
        if (fds.size() > Launcher.MAX_PASSED_FDS) {
            throw CorralException.invalidArgs("at most " + Launcher.MAX_PASSED_FDS + " file descriptors can be passed, not " + fds.size());
        }
        List<Integer> out = new ArrayList<>();
        for (FileDescriptor fd : fds) {
            int n = fd.getIntFileDescriptor();
            if (n < 0) {
                throw CorralException.invalidArgs("file descriptor #" + out.size() + " did not arrive (the bus connection may not support fd passing)");
            }
            out.add(n);
        }
        return out;
    }

    /** Received fds belong to the service; the launcher has taken its own copies. */
    static void closeAll(List<FileDescriptor> fds) {
        for (FileDescriptor fd : fds) {
            org.corral.sys.Native.closeQuietly(fd.getIntFileDescriptor());
        }
    }
}
