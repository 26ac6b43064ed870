package org.corral.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.corral.it.Cli;
import org.corral.it.Poll;
import org.corral.it.runtime.BusyboxRoot;
import org.corral.it.runtime.LxcXml;
import org.corral.it.runtime.Rig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit records corral writes, read back from the kernel (notes test-environments.md
 * section 5): a NETLINK_AUDIT socket joined to the read-log multicast group (a python3 script)
 * collects VIRT_CONTROL/RESOURCE/MACHINE_ID records while a container with a NIC starts and is
 * destroyed and another one fails to start. Audit is enabled for the test with auditctl and the
 * previous "enabled" value is restored afterwards, always. The service runs in a network
 * namespace of its own so that the NIC never touches the host's network.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuditTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Prints "TYPE TEXT" for every record of types 2500-2502 the kernel multicasts. */
    static final String READER = """
            import socket, struct, sys
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)      # NETLINK_AUDIT
            s.bind((0, 0))
            s.setsockopt(270, 1, 1)      # SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, AUDIT_NLGRP_READLOG
            print('READY', flush=True)
            while True:
                data = s.recv(65536)
                if len(data) < 16:
                    continue
                # One record per datagram; the kernel's nlmsg_len leaves out the header, so read to the end.
                typ = struct.unpack_from('=H', data, 4)[0]
                if typ in (2500, 2501, 2502):
                    print(typ, data[16:].split(b'\\0')[0].decode('utf-8', 'replace'), flush=True)
            """;

    private static final String NETWORK = """
            <network>
              <name>default</name>
              <bridge name='ctaud0'/>
              <ip address='169.254.78.1' prefix='24'>
                <dhcp><range start='169.254.78.10' end='169.254.78.200'/></dhcp>
              </ip>
            </network>
            """;

    @Test
    void recordsOfAStartADestroyAndAFailedStart() {
        // A missing auditctl fails rather than skips: .ci/run installs it, and a skip would hide the feature.
        assertTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/auditctl")),
                "auditctl (package auditd) is needed; .ci/run installs it");
        String before = auditEnabled();
        Assumptions.assumeFalse(before.equals("2"), "audit is locked (enabled 2): its state cannot be changed");
        try (Cli.Background reader = new Cli("unix:path=/nonexistent").spawn(List.of(Cli.PYTHON, "-c", READER))) {
            Poll.require(WAIT, () -> reader.stdout().contains("READY") || !reader.isAlive(),
                    () -> "audit reader: " + reader.stderr());
            assertTrue(reader.isAlive(), "audit reader: " + reader.stderr());
            try {
                auditctl("-e", "1");
                assertEquals("1", auditEnabled());
                run(reader);
            } finally {
                auditctl("-e", before);
            }
        } finally {
            assertEquals(before, auditEnabled(), "audit 'enabled' not restored");
        }
    }

    private void run(Cli.Background reader) {
        try (Rig rig = Rig.startInNetworkNamespace(NETWORK)) {
            BusyboxRoot root = rig.newRoot();
            root.script("init.sh", "trap 'exit 0' TERM\nwhile :; do sleep 1 & wait $!; done\n");
            rig.define(LxcXml.named("aud-ok").root(root).init("/init.sh")
                    .device("<interface type='network'><source network='default'/></interface>"));
            rig.start("aud-ok");
            String uuid = rig.prop("aud-ok", "UUID");
            long leader = rig.leader("aud-ok");
            long supervisor = Long.parseLong(rig.prop("aud-ok", "SupervisorPID"));
            String pidNs = Rig.nsOf(leader, "pid").replaceAll("\\D", "");
            rig.call("aud-ok", "Destroy").assertSuccess();

            rig.define(LxcXml.named("aud-bad").root(root).init("/no/such/init"));
            rig.call("aud-bad", "Start", "ahu", "0", "0").assertFailure();

            String vm = "vm=\"aud-ok\" uuid=" + uuid;
            Poll.require(WAIT, () -> records(reader, "2500", "aud-bad").stream().anyMatch(r -> r.contains("op=start")),
                    () -> "no op=start record of aud-bad; seen:\n" + reader.stdout());
            Poll.require(WAIT, () -> records(reader, "2500", "aud-ok").stream().anyMatch(r -> r.contains("op=stop")),
                    () -> "no op=stop record of aud-ok; seen:\n" + reader.stdout());

            List<String> resources = records(reader, "2501", "aud-ok");
            for (String resrc : List.of("fs", "mem", "vcpu", "chardev", "net")) {
                assertTrue(resources.stream().anyMatch(r -> r.contains("virt=lxc resrc=" + resrc + " reason=start " + vm)
                        && r.endsWith("res=success'")), resrc + " in " + resources);
            }
            assertTrue(resources.stream().anyMatch(r -> r.contains("resrc=fs") && r.contains("new-fs=\"" + root.path() + "\"")),
                    resources.toString());
            assertTrue(resources.stream().anyMatch(r -> r.contains("resrc=mem") && r.contains("new-mem=65536")),
                    resources.toString());

            List<String> control = records(reader, "2500", "aud-ok");
            assertOne(control, "virt=lxc op=start reason=booted " + vm + " vm-pid=" + supervisor + " ", "res=success'");
            assertOne(control, "virt=lxc op=init reason=? " + vm + " vm-pid=" + supervisor + " init-pid=" + leader
                    + " pid-ns=" + pidNs + " ", "res=success'");
            assertOne(control, "virt=lxc op=stop reason=destroyed " + vm + " vm-pid=-1 ", "res=success'");
            assertOne(records(reader, "2502", "aud-ok"), "virt=lxc " + vm + " vm-ctx=? img-ctx=? model=none ", "res=success'");

            List<String> failed = records(reader, "2500", "aud-bad");
            assertTrue(failed.stream().anyMatch(r -> r.contains("op=start reason=booted vm=\"aud-bad\"") && r.contains("vm-pid=-1")
                    && r.endsWith("res=failed'")), failed.toString());
            assertFalse(failed.stream().anyMatch(r -> r.contains("op=init")), failed.toString());
            // Records could be written: the service never said otherwise.
            assertFalse(rig.service().stderr().contains("audit records are not written"), rig.service().stderr());
        }
    }

    static void assertOne(List<String> records, String fields, String end) {
        long n = records.stream().filter(r -> r.contains(fields) && r.endsWith(end)).count();
        assertEquals(1, n, "want one record with '" + fields + "' ending '" + end + "' in:\n" + String.join("\n", records));
    }

    /** The text (from "msg=") of records of a type naming container {@code name}. */
    static List<String> records(Cli.Background reader, String type, String name) {
        Pattern p = Pattern.compile("^" + type + " .*?(msg='.*)$");
        return reader.stdout().lines().map(p::matcher).filter(Matcher::matches).map(m -> m.group(1))
                .filter(t -> t.contains("vm=\"" + name + "\"")).toList();
    }

    static String auditEnabled() {
        Cli.Result r = auditctl("-s");
        Matcher m = Pattern.compile("(?m)^enabled (\\d+)").matcher(r.stdout());
        assertTrue(m.find(), r.describe());
        return m.group(1);
    }

    static Cli.Result auditctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/sbin/auditctl"));
        cmd.addAll(List.of(args));
        return Cli.exec(cmd, Map.of(), Duration.ofSeconds(20)).assertSuccess();
    }
}
