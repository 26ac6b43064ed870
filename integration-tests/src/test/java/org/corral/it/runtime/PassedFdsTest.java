package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Install;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Socket activation plumbing: fds handed to Start reach init as 3, 4, ... with LISTEN_FDS and LISTEN_PID=1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PassedFdsTest extends SharedRigTest {
    private static String environ(long pid) throws Exception {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"))).replace('\0', '\n');
    }

    private static String fdTarget(long pid, int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))).toString();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void aPipeAndAListeningSocketArriveAs3And4() throws Exception {
        String name = rig.track("rt-fds");
        BusyboxRoot root = rig.newRoot();
        Path out = rig.newHostDir();
        String init = root.script("init.sh", """
                cat <&3 > /out/pipe
                echo done > /out/done
                while :; do sleep 1; done
                """);
        rig.define(LxcXml.named(name).root(root).init(init).bind(out, "/out", false));
        // python3-dbus passes both; then writes through the pipe and connects to the socket it no longer holds.
        Cli.Result r = rig.cli().python("""
                import os, socket
                r, w = os.pipe()
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind(('127.0.0.1', 0)); s.listen(4)
                port = s.getsockname()[1]
                print('PIPE', os.fstat(r).st_ino, 'SOCK', os.fstat(s.fileno()).st_ino, flush=True)
                container(sys.argv[1]).Start(dbus.Array([dbus.types.UnixFd(r), dbus.types.UnixFd(s.fileno())], signature='h'),
                                             dbus.UInt32(0))
                os.close(r); s.close()
                os.write(w, b'through-the-pipe\\n'); os.close(w)
                c = socket.create_connection(('127.0.0.1', port), timeout=5)
                print('CONNECTED', flush=True)
                c.close()
                """, Domains.path(name));
        r.assertSuccess();
        assertTrue(r.stdout().contains("CONNECTED"), "the container holds the listening socket: " + r.describe());
        Matcher m = Pattern.compile("PIPE (\\d+) SOCK (\\d+)").matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        String pipe = "pipe:[" + m.group(1) + "]";
        String sock = "socket:[" + m.group(2) + "]";

        // done is written after cat has finished /out/pipe, which may exist before it has content.
        rig.awaitFile(out.resolve("done"));
        assertEquals("through-the-pipe", Rig.read(out.resolve("pipe")).trim(), "cat <&3 inside");
        long leader = rig.leader(name);
        assertEquals(pipe, fdTarget(leader, 3), "fd 3 of init");
        assertEquals(sock, fdTarget(leader, 4), "fd 4 of init");
        String env = environ(leader);
        assertTrue(env.contains("\nLISTEN_FDS=2\n") && env.contains("\nLISTEN_PID=1\n"), "LISTEN_* in:\n" + env);
        // Neither the service nor the supervisor keeps a copy.
        for (long holder : List.of(rig.service().pid(), Long.parseLong(rig.prop(name, "SupervisorPID")))) {
            try (var fds = Files.list(Path.of("/proc", Long.toString(holder), "fd"))) {
                List<String> kept = fds.map(f -> {
                    try {
                        return Files.readSymbolicLink(f).toString();
                    } catch (Exception e) {
                        return "";
                    }
                }).filter(t -> t.equals(pipe) || t.equals(sock)).toList();
                assertEquals(List.of(), kept, "passed fds still open in process " + holder + " ("
                        + (holder == rig.service().pid() ? "corrald" : "the supervisor") + ")");
            }
        }
        rig.call(name, "Destroy").assertSuccess();
    }

    private Cli.Result startWithPipes(String name, int count) {
        return rig.cli().python("""
                import os
                fds = [os.pipe()[0] for i in range(int(sys.argv[2]))]
                container(sys.argv[1]).Start(dbus.Array([dbus.types.UnixFd(f) for f in fds], signature='h'), dbus.UInt32(0))
                """, Domains.path(name), Integer.toString(count));
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void sixteenFdsWorkSeventeenAreRefusedFlagsMustBeZero() throws Exception {
        String name = rig.track("rt-fds16");
        BusyboxRoot root = rig.newRoot();
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", "while :; do sleep 1; done\n")));

        Cli.Result seventeen = startWithPipes(name, 17);
        seventeen.assertFailure();
        assertTrue(seventeen.stderr().contains("DBUS-ERROR"), "a D-Bus error: " + seventeen.describe());
        assertEquals("shutoff", rig.state(name), "17 fds: nothing started");

        startWithPipes(name, 16).assertSuccess();
        long leader = rig.leader(name);
        assertTrue(environ(leader).contains("\nLISTEN_FDS=16\n"), environ(leader));
        for (int fd = 3; fd < 19; fd++) {
            assertTrue(fdTarget(leader, fd).startsWith("pipe:"), "fd " + fd + " of init: " + fdTarget(leader, fd));
        }
        rig.call(name, "Destroy").assertSuccess();

        Cli.Result flags = rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(1))",
                Domains.path(name));
        assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(flags), flags.describe());
        Cli.Result busctlFlags = rig.call(name, "Start", "ahu", "0", "2");
        busctlFlags.assertFailure();
        assertEquals("shutoff", rig.state(name));
    }

    /**
     * The system bus drops a client that sends more than 16 fds in one message before the call
     * reaches corral (above). On a bus that lets 17 through, corral itself refuses them by name.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void seventeenFdsThroughABusThatAllowsThemGetInvalidArgsFromTheService() {
        try (Rig own = Rig.onBus(org.corral.it.PrivateSystemBus.withoutActivationAllowingFds(
                org.corral.it.Install.fromBuild(), 32))) {
            String name = own.track("rt-fds17");
            BusyboxRoot root = own.newRoot();
            own.define(LxcXml.named(name).root(root).init(root.script("init.sh", "while :; do sleep 1; done\n")));
            Cli.Result r = own.cli().python("""
                    import os
                    fds = [os.pipe()[0] for i in range(17)]
                    container(sys.argv[1]).Start(dbus.Array([dbus.types.UnixFd(f) for f in fds], signature='h'), dbus.UInt32(0))
                    """, Domains.path(name));
            assertEquals("org.freedesktop.DBus.Error.InvalidArgs", Rig.errorName(r), r.describe());
            assertTrue(r.stderr().contains("at most 16 file descriptors can be passed, not 17"), r.describe());
            assertEquals("shutoff", own.state(name), "nothing started");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void gdbusHandleWithoutAnFdIsRefusedAndTheServiceSurvives() {
        // gdbus attaches fds only for top-level 'h' arguments: "[handle 0]" for 'ah' sends index 0
        // with no fd attached. The service must answer with an error and go on serving.
        // A service of its own: if this fails, the service no longer answers anyone.
        try (Rig rig = Rig.start()) {
            handleWithoutFd(rig);
        }
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void fdNamesReachInitAsListenFdnames() throws Exception {
        String name = rig.track("rt-fdnames");
        BusyboxRoot root = rig.newRoot();
        String init = root.script("init.sh", "while :; do sleep 1; done\n");
        rig.define(LxcXml.named(name).root(root).init(init));
        Cli.Result r = rig.cli().python("""
                import os
                r1, w1 = os.pipe(); r2, w2 = os.pipe()
                c = container(sys.argv[1])
                def fds():
                    return dbus.Array([dbus.types.UnixFd(r1), dbus.types.UnixFd(r2)], signature='h')
                for names in (['web'], ['a:b', 'c'], ['ok', 'has space']):
                    try:
                        c.StartWithFdNames(fds(), dbus.Array(names, signature='s'), dbus.UInt32(0))
                        print('STARTED', names)
                    except dbus.DBusException as e:
                        print('REFUSED', e.get_dbus_name())
                c.StartWithFdNames(fds(), dbus.Array(['http', 'metrics'], signature='s'), dbus.UInt32(0))
                print('OK', flush=True)
                """, Domains.path(name));
        r.assertSuccess();
        assertEquals(3, r.stdout().split("REFUSED org.freedesktop.DBus.Error.InvalidArgs", -1).length - 1,
                "a count or a name that doesn't fit is refused: " + r.describe());
        assertTrue(r.stdout().contains("OK"), r.describe());
        String env = environ(rig.leader(name));
        assertTrue(env.contains("\nLISTEN_FDS=2\n") && env.contains("\nLISTEN_FDNAMES=http:metrics\n"),
                "LISTEN_FDNAMES in:\n" + env);
        rig.call(name, "Destroy").assertSuccess();
    }

    private static void handleWithoutFd(Rig rig) {
        String name = rig.track("rt-fdgdbus");
        BusyboxRoot root = rig.newRoot();
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", "while :; do sleep 1; done\n")));
        Cli.Result r = rig.cli().gdbus("call", "--dest", Install.BUS_NAME, "--object-path", Domains.path(name),
                "--method", Install.CONTAINER_IFACE + ".Start", "--timeout", "5", "[handle 0]", "0");
        r.assertFailure();
        assertTrue(!r.stderr().contains("Timeout was reached"), "an error reply, not a hang: " + r.describe());
        Cli.Result list = rig.cli().busctl("--timeout=5", "call", Install.BUS_NAME, Install.MANAGER_PATH, Install.MANAGER_IFACE,
                "ListContainers");
        assertTrue(list.ok(), "the service still answers after the bad handle: " + list.describe()
                + "\n--- service log ---\n" + Rig.tail(rig.service().stderr()));
        assertEquals("shutoff", rig.state(name));
    }
}
