package org.corral.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.PrivateSystemBus;
import org.corral.it.Processes;
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Registration with the real systemd-machined (notes test-environments.md section 4): machined,
 * dbus-daemon and corrald in one private mount namespace with a tmpfs /run (and
 * /run/systemd/system there, so that machinectl works). This host has no systemd, so machined
 * cannot create scopes: corral registers the machine.slice/corral-NAME.scope unit it puts init
 * into instead.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MachinedTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String INIT = "trap 'exit 0' TERM\nwhile :; do sleep 1 & wait $!; done\n";

    private Rig rig;
    private final List<String> names = new java.util.ArrayList<>();

    @AfterEach
    void cleanUp() {
        try {
            if (rig != null) {
                rig.close();
            }
        } finally {
            for (String n : names) {
                assertTrue(NamespaceServices.removeUnitScope(n), "unit cgroup of " + n + " left behind");
            }
        }
    }

    private Rig withMachined() {
        PrivateSystemBus bus = PrivateSystemBus.inMountNamespace(Install.fromBuild());
        try {
            NamespaceServices.startMachined(bus);
        } catch (RuntimeException | Error e) {
            bus.close();
            throw e;
        }
        return Rig.onBus(bus);
    }

    private String startContainer(String name, BusyboxRoot root) {
        names.add(name);
        rig.define(LxcXml.named(name).root(root).init("/init.sh"));
        rig.start(name);
        return name;
    }

    private Cli.Result machined(String method, String... signatureAndArgs) {
        List<String> args = new java.util.ArrayList<>(List.of("call", "org.freedesktop.machine1", "/org/freedesktop/machine1",
                "org.freedesktop.machine1.Manager", method));
        args.addAll(List.of(signatureAndArgs));
        return rig.cli().busctl(args.toArray(String[]::new));
    }

    private String listMachines() {
        return machined("ListMachines").assertSuccess().stdout();
    }

    private void awaitMachineName(String name, String want) {
        Poll.require(WAIT, () -> want.equals(rig.prop(name, "MachineName")), () -> name + " MachineName is '"
                + rig.prop(name, "MachineName") + "', want '" + want + "'\n--- service log ---\n" + Rig.tail(rig.service().stderr()));
    }

    private long machineLeader(String name) {
        String path = machined("GetMachine", "s", name).assertSuccess().stdout().trim().replaceAll("^o \"(.*)\"$", "$1");
        String leader = rig.cli().busctl("get-property", "org.freedesktop.machine1", path, "org.freedesktop.machine1.Machine",
                "Leader").assertSuccess().stdout().trim();
        return Long.parseLong(leader.substring(2));
    }

    @Test
    void aRunningContainerIsAMachineUntilDestroyed() {
        rig = withMachined();
        BusyboxRoot root = rig.newRoot();
        root.script("init.sh", INIT);
        String name = startContainer("mach-1", root);
        long leader = rig.leader(name);
        awaitMachineName(name, name);

        assertTrue(listMachines().contains("\"mach-1\" \"container\" \"corral\" \"/org/freedesktop/machine1/machine/mach_2d1\""),
                listMachines());
        assertEquals(leader, machineLeader(name));
        Cli.Result list = rig.bus().runInNamespace(List.of("machinectl", "list", "--no-legend", "--no-pager"), WAIT).assertSuccess();
        assertTrue(list.stdout().matches("(?s).*\\bmach-1\\s+container\\s+corral\\b.*"), list.describe());
        Cli.Result show = rig.bus().runInNamespace(List.of("machinectl", "show", name), WAIT).assertSuccess();
        assertTrue(show.stdout().contains("Leader=" + leader) && show.stdout().contains("Class=container")
                && show.stdout().contains("Unit=corral-mach\\x2d1.scope"), show.describe());
        // init sits in the unit machined registered (the unified hierarchy's 0:: line).
        Path scope = NamespaceServices.unitScope(name);
        assertTrue(Rig.procs(scope).contains(leader), scope + " holds " + Rig.procs(scope));
        assertTrue(Processes.readIfExists(Path.of("/proc/" + leader + "/cgroup"))
                .contains("0::/machine.slice/corral-mach\\x2d1.scope"));

        rig.call(name, "Destroy").assertSuccess();
        // Destroy returns once the end is handled, machined included.
        assertFalse(listMachines().contains("\"mach-1\""), listMachines());
        assertTrue(machined("GetMachine", "s", name).stderr().contains("No machine 'mach-1' known"));
        assertEquals("", rig.prop(name, "MachineName"));
        assertFalse(Files.exists(scope), scope + " still exists");
    }

    @Test
    void aRestartedServiceKeepsOrRenewsTheRegistration() {
        rig = withMachined();
        BusyboxRoot root = rig.newRoot();
        root.script("init.sh", INIT);
        String name = startContainer("mach-2", root);
        long leader = rig.leader(name);
        awaitMachineName(name, name);

        rig.service().kill();
        rig.restartService();
        assertEquals("running", rig.state(name));
        awaitMachineName(name, name);
        assertEquals(leader, machineLeader(name));
        assertTrue(rig.service().stderr().contains("container 'mach-2' is still registered with machined"),
                rig.service().stderr());

        // A machine lost meanwhile is registered again.
        rig.service().kill();
        machined("UnregisterMachine", "s", name).assertSuccess();
        assertFalse(listMachines().contains("\"mach-2\""));
        rig.restartService();
        awaitMachineName(name, name);
        assertEquals(leader, machineLeader(name));

        rig.call(name, "Destroy").assertSuccess();
        assertFalse(listMachines().contains("\"mach-2\""), listMachines());
    }

    @Test
    void aContainerThatEndsAtOnceLeavesNoMachine() {
        rig = withMachined();
        BusyboxRoot root = rig.newRoot();
        root.script("init.sh", "exit 0\n");
        names.add("mach-3");
        rig.define(LxcXml.named("mach-3").root(root).init("/init.sh"));
        for (int i = 0; i < 3; i++) {
            rig.start("mach-3");
            rig.awaitState("mach-3", "shutoff");
        }
        // Whatever got registered in between was unregistered, in order, after it.
        Poll.require(WAIT, () -> !listMachines().contains("\"mach-3\""), this::listMachines);
        assertEquals("", rig.prop("mach-3", "MachineName"));
    }

    @Test
    void aMachinedThatComesLaterIsUsedFromThen() {
        PrivateSystemBus bus = PrivateSystemBus.inMountNamespace(Install.fromBuild());
        rig = Rig.onBus(bus);
        BusyboxRoot root = rig.newRoot();
        root.script("init.sh", INIT);
        String before = startContainer("mach-6", root);
        // The service found no machined, and starts no longer ask the bus for it...
        Poll.require(WAIT, () -> rig.service().stderr().contains("systemd-machined is not on the bus"),
                () -> rig.service().stderr());
        assertEquals("", rig.prop(before, "MachineName"));
        // ...until its name gets an owner.
        NamespaceServices.startMachined(bus);
        String after = startContainer("mach-7", root);
        awaitMachineName(after, after);
        assertEquals("", rig.prop(before, "MachineName"));
        rig.call(before, "Destroy").assertSuccess();
        rig.call(after, "Destroy").assertSuccess();
        assertFalse(listMachines().contains("\"mach-7\""), listMachines());
    }

    @Test
    void withoutMachinedContainersRunAsBefore() {
        rig = Rig.start();
        BusyboxRoot root = rig.newRoot();
        root.script("init.sh", INIT);
        String a = startContainer("mach-4", root);
        String b = startContainer("mach-5", root);
        assertEquals("running", rig.state(a));
        assertEquals("running", rig.state(b));
        Poll.require(WAIT, () -> rig.service().stderr().contains("systemd-machined is not on the bus"),
                () -> rig.service().stderr());
        assertEquals(1, rig.service().stderr().split("systemd-machined is not on the bus", -1).length - 1,
                rig.service().stderr());
        assertEquals("", rig.prop(a, "MachineName"));
        rig.call(a, "Destroy").assertSuccess();
        rig.call(b, "Destroy").assertSuccess();
    }
}
