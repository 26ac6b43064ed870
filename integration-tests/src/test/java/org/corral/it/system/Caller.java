package org.corral.it.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Install;

/**
 * A batch of corral calls made by one python3-dbus process (as whatever user the {@link Cli}
 * runs as), each with or without the ALLOW_INTERACTIVE_AUTHORIZATION header flag
 * (dbus.lowlevel's set_allow_interactive_authorization). Each call's outcome is "OK" or the D-Bus
 * error name. File descriptor arguments are /dev/null.
 */
final class Caller {

    /** One call: what it is called in the results, where, what, and its arguments as python literals. */
    record Call(String label, String path, String iface, String member, String signature, String pyArgs) {
    }

    private static final String SCRIPT = """
            import sys, os, json, dbus, dbus.lowlevel
            bus = dbus.SystemBus()
            def fd():
                return dbus.types.UnixFd(os.open('/dev/null', os.O_RDWR))
            interactive = sys.argv[1] == '1'
            for line in json.loads(sys.argv[2]):
                label, path, iface, member, sig, pyargs = line
                m = dbus.lowlevel.MethodCallMessage('org.corral1', path, iface, member)
                m.set_allow_interactive_authorization(interactive)
                args = eval(pyargs)
                if sig:
                    m.append(*args, signature=sig)
                try:
                    bus.send_message_with_reply_and_block(m, 60000)
                    print(label, 'OK', flush=True)
                except dbus.exceptions.DBusException as e:
                    print(label, e.get_dbus_name(), flush=True)
                    print('#', label, e.get_dbus_message(), file=sys.stderr, flush=True)
            """;

    private final List<Call> calls = new ArrayList<>();

    Caller add(String label, String path, String iface, String member, String signature, String pyArgs) {
        calls.add(new Call(label, path, iface, member, signature, pyArgs));
        return this;
    }

    Caller manager(String label, String member, String signature, String pyArgs) {
        return add(label, Install.MANAGER_PATH, Install.MANAGER_IFACE, member, signature, pyArgs);
    }

    Caller container(String label, String name, String member, String signature, String pyArgs) {
        return add(label, Domains.path(name), Install.CONTAINER_IFACE, member, signature, pyArgs);
    }

    /** Runs the batch; label -> "OK" or error name. Fails when python itself fails. */
    Map<String, String> run(Cli cli, boolean interactive) {
        StringBuilder json = new StringBuilder("[");
        for (Call c : calls) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('[').append(String.join(",", q(c.label()), q(c.path()), q(c.iface()), q(c.member()),
                    q(c.signature()), q(c.pyArgs()))).append(']');
        }
        json.append(']');
        Cli.Result r = cli.run(List.of(Cli.PYTHON, "-c", SCRIPT, interactive ? "1" : "0", json.toString()), Map.of(),
                Duration.ofSeconds(120));
        if (!r.ok()) {
            throw new AssertionError("python caller failed: " + r.describe());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) {
                int sp = line.lastIndexOf(' ');
                out.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        lastMessages = r.stderr();
        return out;
    }

    String lastMessages = "";

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
