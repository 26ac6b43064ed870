package org.corral.it.usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.runtime.Rig;

/**
 * What the usage tests share: python3-dbus scripts (with a GLib main loop where signals matter)
 * for Exec, OpenConsole and the stats verbs, and the parsing of what they print.
 */
final class Usage {
    static final Duration PY_TIMEOUT = Duration.ofSeconds(30);

    private Usage() {
    }

    /** A python3-dbus script without the shared prelude (its bus must be made after the main loop is set). */
    static Cli.Result python(Rig rig, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Cli.PYTHON, "-c", script));
        cmd.addAll(List.of(args));
        return rig.cli().run(cmd, Map.of("DBUS_SYSTEM_BUS_ADDRESS", rig.cli().address()), PY_TIMEOUT);
    }

    // ------------------------------------------------------------------------------------- Exec

    /**
     * Exec with three pipes, the given stdin text, then waits (GLib main loop) for ExecExited of
     * the returned id on the container's object and for EOF on stdout and stderr. Prints ID,
     * CODE, SIGNAL, OUT (hex), ERR (hex), OTHER (ExecExited ids seen for other execs). A D-Bus
     * error: "DBUS-ERROR name: message" on stderr, exit 3; no end within 15 s: exit 4.
     */
    private static final String PY_EXEC = """
            import sys, os, threading, dbus
            from dbus.mainloop.glib import DBusGMainLoop
            from gi.repository import GLib
            DBusGMainLoop(set_as_default=True)
            bus = dbus.SystemBus()
            path, flags, stdin_data, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
            if argv == ['--empty--']:
                argv = []
            c = dbus.Interface(bus.get_object('org.corral1', path, introspect=False), 'org.corral1.Container')
            ends = {}
            def on_exit(i, code, sig, **kw):
                ends[int(i)] = (int(code), int(sig), kw['path'])
            bus.add_signal_receiver(on_exit, dbus_interface='org.corral1.Container', signal_name='ExecExited', path_keyword='path')
            bus.get_name_owner('org.freedesktop.DBus')
            in_r, in_w = os.pipe(); out_r, out_w = os.pipe(); err_r, err_w = os.pipe()
            try:
                eid = int(c.Exec(dbus.Array(argv, signature='s'), dbus.Array([], signature='s'), dbus.types.UnixFd(in_r),
                                 dbus.types.UnixFd(out_w), dbus.types.UnixFd(err_w), dbus.UInt32(flags), timeout=20))
            except dbus.exceptions.DBusException as e:
                sys.stderr.write('DBUS-ERROR %s: %s\\n' % (e.get_dbus_name(), e.get_dbus_message()))
                sys.exit(3)
            for fd in (in_r, out_w, err_w):
                os.close(fd)
            print('ID', eid, flush=True)
            bufs = {out_r: b'', err_r: b''}
            def drain(fd):
                while True:
                    d = os.read(fd, 65536)
                    if not d:
                        return
                    bufs[fd] += d
            readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in (out_r, err_r)]
            for t in readers:
                t.start()
            try:
                os.write(in_w, stdin_data.encode())
            except BrokenPipeError:
                pass
            os.close(in_w)
            loop = GLib.MainLoop()
            def check():
                if eid in ends and not any(t.is_alive() for t in readers):
                    loop.quit()
                return True
            GLib.timeout_add(20, check)
            timed_out = []
            def give_up():
                timed_out.append(1)
                loop.quit()
            GLib.timeout_add_seconds(15, give_up)
            loop.run()
            print('OTHER', ','.join('%d@%s' % (k, v[2]) for k, v in sorted(ends.items()) if k != eid))
            print('OUT', bufs[out_r].hex())
            print('ERR', bufs[err_r].hex())
            if eid in ends:
                print('CODE', ends[eid][0])
                print('SIGNAL', ends[eid][1])
                print('PATH', ends[eid][2])
            if timed_out:
                sys.stderr.write('no end within 15 s: ExecExited %s, stdout %s, stderr %s\\n' % (
                    'seen' if eid in ends else 'missing', 'open' if readers[0].is_alive() else 'EOF',
                    'open' if readers[1].is_alive() else 'EOF'))
                sys.exit(4)
            """;

    /** How an Exec'ed command ended and what it wrote. */
    record Exec(long id, int code, int signal, String path, String stdout, String stderr, String otherEnds, Cli.Result raw) {
        @Override
        public String toString() {
            return "exec " + id + " code " + code + " signal " + signal + " on " + path + "\n  stdout: " + stdout
                    + "\n  stderr: " + stderr;
        }
    }

    /** Runs the command and waits for its end; fails (with everything printed) when the call or the wait fails. */
    static Exec exec(Rig rig, String name, String stdin, String... argv) {
        Cli.Result r = execRaw(rig, Domains.path(name), 0, stdin, argv);
        if (!r.ok()) {
            throw new AssertionError("Exec " + List.of(argv) + " in " + name + " failed: " + r.describe());
        }
        Map<String, String> f = fields(r.stdout());
        HexFormat hex = HexFormat.of();
        return new Exec(Long.parseLong(f.get("ID")), Integer.parseInt(f.get("CODE")), Integer.parseInt(f.get("SIGNAL")),
                f.get("PATH"), new String(hex.parseHex(f.get("OUT"))), new String(hex.parseHex(f.get("ERR"))),
                f.getOrDefault("OTHER", ""), r);
    }

    /** Its stdout, after checking it exited 0. */
    static String sh(Rig rig, String name, String script) {
        Exec e = exec(rig, name, "", "/bin/sh", "-c", script);
        if (e.code() != 0 || e.signal() != 0) {
            throw new AssertionError("sh -c '" + script + "' in " + name + ": " + e);
        }
        return e.stdout();
    }

    /** The python run as it is, for error cases; an empty argv is {@code execRaw(..., "--empty--")}. */
    static Cli.Result execRaw(Rig rig, String path, long flags, String stdin, String... argv) {
        List<String> args = new ArrayList<>(List.of(path, Long.toString(flags), stdin));
        args.addAll(List.of(argv));
        return python(rig, PY_EXEC, args.toArray(String[]::new));
    }

    /** "KEY rest of line" lines into a map (first word is the key). */
    static Map<String, String> fields(String stdout) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                out.put(line.substring(0, sp), line.substring(sp + 1));
            } else if (!line.isBlank()) {
                out.put(line, "");
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------- Console

    /**
     * Console helpers for python scripts: {@code con(path, dev, flags)} opens a console and wraps
     * the fd in a socket; {@code until(s, marker)} reads until the marker shows (returns what was
     * read, raises on EOF/timeout); {@code say(s, line)}; {@code eof(s, secs)} is 'EOF' when the
     * peer closed within secs, else 'OPEN'; {@code err(fn)} is the D-Bus error name of fn() or 'OK';
     * {@code out(key, value)} prints one result line.
     */
    static final String PY_CONSOLE = """
            import sys, os, socket, select, time, dbus
            bus = dbus.SystemBus()
            def container(path):
                return dbus.Interface(bus.get_object('org.corral1', path, introspect=False), 'org.corral1.Container')
            def con(path, dev='', flags=0):
                fd = container(path).OpenConsole(dev, dbus.UInt32(flags))
                return socket.socket(fileno=fd.take())
            def until(s, marker, timeout=10):
                buf = b''
                end = time.time() + timeout
                while marker.encode() not in buf:
                    left = end - time.time()
                    if left <= 0:
                        raise SystemExit('TIMEOUT waiting for %r, read %r' % (marker, buf))
                    r, _, _ = select.select([s], [], [], left)
                    if r:
                        d = s.recv(4096)
                        if not d:
                            raise SystemExit('EOF waiting for %r, read %r' % (marker, buf))
                        buf += d
                return buf.decode(errors='replace')
            def say(s, line):
                s.sendall(line.encode() + b'\\n')
            def eof(s, secs):
                end = time.time() + secs
                while True:
                    left = end - time.time()
                    if left <= 0:
                        return 'OPEN'
                    r, _, _ = select.select([s], [], [], left)
                    if r:
                        try:
                            if not s.recv(4096):
                                return 'EOF'
                        except ConnectionResetError:
                            return 'EOF'
            def err(fn):
                try:
                    fn()
                    return 'OK'
                except dbus.exceptions.DBusException as e:
                    return e.get_dbus_name()
            def out(key, value):
                print(key, value, flush=True)
            """;

    static Cli.Result console(Rig rig, String script, String... args) {
        return python(rig, PY_CONSOLE + script, args);
    }

    // ------------------------------------------------------------------------------------ Stats

    /** One figure: its D-Bus type letter and value. */
    record Figure(String type, long value) {
    }

    private static final String PY_STATS = """
            import sys, dbus
            bus = dbus.SystemBus()
            def sig(v):
                return {dbus.UInt64: 't', dbus.UInt32: 'u', dbus.Int64: 'x', dbus.Int32: 'i'}.get(type(v), type(v).__name__)
            try:
                if sys.argv[1] == 'all':
                    m = dbus.Interface(bus.get_object('org.corral1', '/org/corral1', introspect=False), 'org.corral1.Manager')
                    for name, stats in m.GetAllStats():
                        print('ENTRY', name, len(stats))
                        for k, v in sorted(stats.items()):
                            print('FIG', name, k, sig(v), int(v))
                else:
                    c = dbus.Interface(bus.get_object('org.corral1', sys.argv[1], introspect=False), 'org.corral1.Container')
                    for k, v in sorted(c.GetStats().items()):
                        print('FIG', '-', k, sig(v), int(v))
            except dbus.exceptions.DBusException as e:
                sys.stderr.write('DBUS-ERROR %s: %s\\n' % (e.get_dbus_name(), e.get_dbus_message()))
                sys.exit(3)
            """;

    static Cli.Result statsRaw(Rig rig, String name) {
        return python(rig, PY_STATS, Domains.path(name));
    }

    /** Container.GetStats through python3-dbus, sorted by key. */
    static Map<String, Figure> stats(Rig rig, String name) {
        Cli.Result r = statsRaw(rig, name).assertSuccess();
        return figures(r.stdout()).getOrDefault("-", new TreeMap<>());
    }

    /** Manager.GetAllStats: container name -> figures; the number of entries is the map's size (duplicates fail). */
    static Map<String, Map<String, Figure>> allStats(Rig rig) {
        Cli.Result r = python(rig, PY_STATS, "all").assertSuccess();
        long entries = r.stdout().lines().filter(l -> l.startsWith("ENTRY ")).count();
        Map<String, Map<String, Figure>> out = figures(r.stdout());
        for (String l : r.stdout().split("\n")) {
            if (l.startsWith("ENTRY ")) {
                out.computeIfAbsent(l.split(" ")[1], k -> new TreeMap<>());
            }
        }
        if (entries != out.size()) {
            throw new AssertionError("GetAllStats lists a container twice:\n" + r.stdout());
        }
        return out;
    }

    private static Map<String, Map<String, Figure>> figures(String stdout) {
        Map<String, Map<String, Figure>> out = new TreeMap<>();
        for (String l : stdout.split("\n")) {
            if (l.startsWith("FIG ")) {
                String[] f = l.split(" ");
                out.computeIfAbsent(f[1], k -> new TreeMap<>()).put(f[2], new Figure(f[3], Long.parseLong(f[4])));
            }
        }
        return out;
    }
}
