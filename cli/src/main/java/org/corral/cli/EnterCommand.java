package org.corral.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.corral1.Container;
import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.types.UInt32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * virsh lxc-enter-namespace: Container.Exec with corralctl's own stdin, stdout and stderr;
 * waits for the ExecExited signal of that command (subscribed before the call) and exits with
 * its status, or 128 + the signal that killed it, as a shell does.
 */
@Command(name = "enter", aliases = "lxc-enter-namespace", mixinStandardHelpOptions = true,
        description = {"Run a command inside a running container, with this terminal's stdin, stdout and stderr.",
            "The command runs in the container's namespaces, cgroup and capability bounding set; corralctl exits "
                + "with its status (128 + the signal when it was killed).",
            "Put -- before the command: corralctl enter web -- /bin/ls -al /dev"})
final class EnterCommand extends Verb {
    @Parameters(index = "0", paramLabel = "NAME", description = "container name")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD",
            description = "The command and its arguments: an absolute path, or a name found in /bin, /usr/bin, /sbin or /usr/sbin inside.")
    List<String> command;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE",
            description = "The command's environment, repeatable; without any: PATH, HOME=/, TERM=linux, container=lxc-libvirt.")
    List<String> env;

    @Override
    int run(Bus bus) throws Exception {
        String path = bus.containerPath(name);
        Map<Long, int[]> ended = new ConcurrentHashMap<>();
        Object lock = new Object();
        try (AutoCloseable subscription = bus.onSignal(Container.ExecExited.class, path, s -> {
            ended.put(s.execId.longValue(), new int[] {s.code, s.signal});
            synchronized (lock) {
                lock.notifyAll();
            }
        })) {
            long id = bus.container(path).Exec(command, env == null ? new ArrayList<>() : env,
                    new FileDescriptor(0), new FileDescriptor(1), new FileDescriptor(2), new UInt32(0)).longValue();
            int[] end;
            synchronized (lock) {
                while ((end = ended.get(id)) == null) {
                    if (!bus.connection().isConnected()) {
                        throw new BusError(null, "lost the connection to the bus while the command ran");
                    }
                    lock.wait(1000);
                }
            }
            return end[1] != 0 ? 128 + end[1] : end[0];
        }
    }
}
