package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ContainerNew and ContainerRemoved as busctl monitor and a python3-dbus listener see them. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SignalsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Prints every org.corral1.Manager signal from org.corral1 as "SIGNAL member arg..." and READY once subscribed. */
    private static final String PY_LISTENER = """
            import sys, dbus
            from dbus.mainloop.glib import DBusGMainLoop
            from gi.repository import GLib
            DBusGMainLoop(set_as_default=True)
            bus = dbus.SystemBus()
            loop = GLib.MainLoop()
            def on_signal(*args, **kw):
                print('SIGNAL', kw['member'], *[str(a) for a in args], flush=True)
            bus.add_signal_receiver(on_signal, dbus_interface='org.corral1.Manager', bus_name='org.corral1',
                                    member_keyword='member')
            bus.get_name_owner('org.freedesktop.DBus')  # a round trip: the match rule is in place
            print('READY', flush=True)
            GLib.timeout_add_seconds(120, loop.quit)
            loop.run()
            """;

    private final Install install = Install.fromBuild();
    private final List<AutoCloseable> started = new ArrayList<>();
    private Cli cli;

    @BeforeEach
    void start() {
        PrivateSystemBus bus = PrivateSystemBus.withoutActivation(install);
        started.add(bus);
        started.add(CorralService.start(install, bus));
        cli = bus.cli();
    }

    @AfterEach
    void stop() throws Exception {
        // Listeners and service before the bus.
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
        return resource;
    }

    /** (member, name, path) of each signal in busctl monitor's output. */
    private static List<String> monitoredSignals(String monitorOutput) {
        List<String> result = new ArrayList<>();
        for (String block : monitorOutput.split("‣")) {
            Matcher member = Pattern.compile("Member=(\\w+)").matcher(block);
            Matcher name = Pattern.compile("STRING \"([^\"]*)\";").matcher(block);
            Matcher path = Pattern.compile("OBJECT_PATH \"([^\"]*)\";").matcher(block);
            if (block.contains("Type=signal") && member.find() && name.find() && path.find()) {
                String header = block.contains("Path=/org/corral1 ") && block.contains("Interface=org.corral1.Manager")
                        ? "" : "(wrong path or interface) ";
                result.add(header + member.group(1) + " " + name.group(1) + " " + path.group(1));
            }
        }
        return result;
    }

    @Test
    void defineAndUndefineSignalNameAndPath() {
        Cli.Background monitor = track(cli.spawnBusctl("monitor", "--match", "type='signal',sender='org.corral1'"));
        Cli.Background python = track(cli.spawn(List.of(Cli.PYTHON, "-c", PY_LISTENER)));
        Poll.require(WAIT, () -> monitor.stderr().contains("Monitoring bus message stream."),
                () -> "busctl monitor ready: " + monitor.stderr());
        Poll.require(WAIT, () -> python.stdout().contains("READY"), () -> "python listener ready: " + python.stderr());

        Corral corral = new Corral(cli);
        corral.define(Domains.vm1());
        cli.gdbusCall(Install.MANAGER_PATH, "org.corral1.Manager.DefineXML", Cli.gvariantString(Domains.named("web-1")))
                .assertSuccess();
        cli.busctlCall(Domains.path("vm1"), Install.CONTAINER_IFACE, "Undefine").assertSuccess();
        cli.python("mgr.UndefineContainer('web-1')").assertSuccess();

        List<String> expected = List.of(
                "ContainerNew vm1 /org/corral1/container/vm1",
                "ContainerNew web-1 /org/corral1/container/web_2d1",
                "ContainerRemoved vm1 /org/corral1/container/vm1",
                "ContainerRemoved web-1 /org/corral1/container/web_2d1");
        Poll.until(WAIT, () -> monitoredSignals(monitor.stdout()).size() >= expected.size());
        assertEquals(expected, monitoredSignals(monitor.stdout()), "busctl monitor saw:\n" + monitor.stdout());

        Poll.until(WAIT, () -> python.stdout().lines().filter(l -> l.startsWith("SIGNAL")).count() >= expected.size());
        assertEquals(expected.stream().map(s -> "SIGNAL " + s).toList(),
                python.stdout().lines().filter(l -> l.startsWith("SIGNAL")).toList(),
                "python3-dbus listener saw:\n" + python.stdout() + python.stderr());
    }
}
