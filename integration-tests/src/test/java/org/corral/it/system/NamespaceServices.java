package org.corral.it.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.corral.it.Cli;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.PrivateSystemBus;
import org.corral.it.Processes;

/**
 * Real system services in the private mount namespace of a {@link PrivateSystemBus#inMountNamespace}
 * bus (shared notes test-environments.md sections 2-4): test users, polkitd with the project's
 * actions and test rules, systemd-machined. Nothing on the host changes: users exist only in
 * bind-mounted copies of /etc/passwd and /etc/group inside the namespace, polkit's directories
 * are bind-mounted copies, and /run is the namespace's tmpfs. Everything goes away with the
 * namespace (its processes are stopped by PID when the bus closes).
 */
final class NamespaceServices {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String POLKITD = "/usr/lib/polkit-1/polkitd";
    static final String MACHINED = "/lib/systemd/systemd-machined";

    private NamespaceServices() {
    }

    /**
     * Adds users (each with a group of its own name, plus the given extra groups, created as
     * needed) to copies of /etc/passwd and /etc/group bind-mounted inside the namespace. UIDs and
     * GIDs are free on the host. Returns user -> uid.
     */
    static Map<String, Integer> addUsers(PrivateSystemBus bus, Map<String, List<String>> users) {
        try {
            Path etc = Files.createDirectories(bus.workdir().resolve("etc"));
            List<String> passwd = new ArrayList<>(Files.readAllLines(Path.of("/etc/passwd")));
            List<String> group = new ArrayList<>(Files.readAllLines(Path.of("/etc/group")));
            Set<Integer> taken = new TreeSet<>();
            passwd.forEach(l -> taken.add(Integer.parseInt(l.split(":")[2])));
            group.forEach(l -> taken.add(Integer.parseInt(l.split(":")[2])));
            int next = 64000;
            Map<String, Integer> uids = new LinkedHashMap<>();
            Map<String, List<String>> members = new LinkedHashMap<>();
            Map<String, Integer> gids = new LinkedHashMap<>();
            for (var e : users.entrySet()) {
                while (taken.contains(next)) {
                    next++;
                }
                int id = next;
                taken.add(id);
                uids.put(e.getKey(), id);
                gids.put(e.getKey(), id);
                members.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                passwd.add(e.getKey() + ":x:" + id + ":" + id + ":corral test user:/nonexistent:/bin/sh");
                for (String g : e.getValue()) {
                    members.computeIfAbsent(g, k -> new ArrayList<>()).add(e.getKey());
                }
            }
            for (var e : members.entrySet()) {
                Integer gid = gids.get(e.getKey());
                if (gid == null) {
                    while (taken.contains(next)) {
                        next++;
                    }
                    gid = next;
                    taken.add(gid);
                }
                group.add(e.getKey() + ":x:" + gid + ":" + String.join(",", e.getValue()));
            }
            Files.write(etc.resolve("passwd"), passwd);
            Files.write(etc.resolve("group"), group);
            for (String f : List.of("passwd", "group")) {
                Files.setPosixFilePermissions(etc.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
                bus.runInNamespace(List.of("mount", "--bind", etc.resolve(f).toString(), "/etc/" + f), WAIT).assertSuccess();
            }
            return uids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Clients on the bus run inside the namespace as {@code user} (runuser, no login shell). */
    static Cli cliAs(PrivateSystemBus bus, String user) {
        List<String> prefix = new ArrayList<>(bus.namespacePrefix());
        prefix.addAll(List.of("runuser", "-u", user, "--"));
        return bus.cli().withPrefix(prefix);
    }

    /**
     * polkitd in the namespace, seeing copies of the host's actions plus the install tree's
     * org.corral1.policy, and copies of the host's rules plus {@code rules} (file name -> JS).
     */
    static Process startPolkit(PrivateSystemBus bus, Install install, Map<String, String> rules) {
        try {
            Path actions = Files.createDirectories(bus.workdir().resolve("pk/actions"));
            Path rulesDir = Files.createDirectories(bus.workdir().resolve("pk/rules"));
            copyAll(Path.of("/usr/share/polkit-1/actions"), actions);
            Files.copy(install.polkitActions(), actions.resolve("org.corral1.policy"), StandardCopyOption.REPLACE_EXISTING);
            copyAll(Path.of("/etc/polkit-1/rules.d"), rulesDir);
            for (var e : rules.entrySet()) {
                Files.writeString(rulesDir.resolve(e.getKey()), e.getValue());
            }
            for (Path d : List.of(bus.workdir().resolve("pk"), actions, rulesDir)) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            for (Path dir : List.of(actions, rulesDir)) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path f : files) {
                        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
            bus.runInNamespace(List.of("mount", "--bind", actions.toString(), "/usr/share/polkit-1/actions"), WAIT).assertSuccess();
            bus.runInNamespace(List.of("mount", "--bind", rulesDir.toString(), "/etc/polkit-1/rules.d"), WAIT).assertSuccess();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return spawnPolkitd(bus);
    }

    /** (Re)starts polkitd with what {@link #startPolkit} set up; waits until it owns its name. */
    static Process spawnPolkitd(PrivateSystemBus bus) {
        Process p = bus.spawnInNamespace("polkitd", List.of(POLKITD));
        awaitName(bus, "org.freedesktop.PolicyKit1", p, "polkitd");
        return p;
    }

    static String polkitLog(PrivateSystemBus bus) {
        return Processes.readIfExists(bus.workdir().resolve("polkitd.err")) + Processes.readIfExists(bus.workdir().resolve("polkitd.out"));
    }

    /** systemd-machined in the namespace, with /run/systemd/system so that machinectl works there. */
    static Process startMachined(PrivateSystemBus bus) {
        bus.runInNamespace(List.of("mkdir", "-p", "/run/systemd/system", "/run/systemd/machines"), WAIT).assertSuccess();
        Process p = bus.spawnInNamespace("machined", List.of(MACHINED));
        awaitName(bus, "org.freedesktop.machine1", p, "machined");
        return p;
    }

    static void awaitName(PrivateSystemBus bus, String name, Process p, String log) {
        Poll.require(WAIT, () -> !p.isAlive() || hasOwner(bus, name), () -> log + " did not own " + name);
        if (!p.isAlive()) {
            throw new AssertionError(log + " exited with " + p.exitValue() + ": "
                    + Processes.readIfExists(bus.workdir().resolve(log + ".err")));
        }
    }

    static boolean hasOwner(PrivateSystemBus bus, String name) {
        Cli.Result r = bus.cli().busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", "s", name);
        return r.ok() && r.stdout().trim().equals("b true");
    }

    private static void copyAll(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** The unit directory corral makes for a container on a hybrid host (see CgroupManager). */
    static Path unitScope(String name) {
        return org.corral.it.runtime.Rig.unitCgroupDir(name);
    }

    /** Removes a leftover unit directory (after its processes are gone); true when none is left. */
    static boolean removeUnitScope(String name) {
        Path d = unitScope(name);
        for (int i = 0; i < 100 && Files.exists(d); i++) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return !Files.exists(d);
    }
}
