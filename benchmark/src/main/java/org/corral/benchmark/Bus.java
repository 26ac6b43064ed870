package org.corral.benchmark;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * A private dbus-daemon of type system: the host's /usr/share/dbus-1/system.conf with its
 * listen/user/fork/pidfile/servicehelper/service dirs/includes replaced by a private socket, the
 * install tree's bus policy and an activation file that runs the installed corrald with
 * --config-dir/--runtime-dir in the scratch dir (the idea of the integration tests'
 * PrivateSystemBus, without depending on them).
 */
final class Bus {
    private static final Set<String> DROPPED = Set.of("user", "fork", "pidfile", "syslog", "servicehelper",
            "standard_system_servicedirs", "standard_session_servicedirs", "listen", "servicedir",
            "includedir", "include");

    final Path dir;
    final Path socket;
    final Path configDir;
    final Path runtimeDir;
    final String address;
    private Process daemon;

    Bus(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("system_bus_socket");
        this.configDir = dir.resolve("containers");
        this.runtimeDir = dir.resolve("run");
        this.address = "unix:path=" + socket;
    }

    void start(Path installRoot, Path corrald, String java) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("system.d", "system-services", "containers", "run")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.copy(installRoot.resolve("usr/share/dbus-1/system.d/org.corral1.conf"),
                dir.resolve("system.d/org.corral1.conf"));
        String installed = Files.readString(installRoot.resolve("usr/share/dbus-1/system-services/org.corral1.service"));
        Files.writeString(dir.resolve("system-services/org.corral1.service"), activationFile(installed, corrald));
        Path conf = dir.resolve("system.conf");
        Files.writeString(conf, busConfig(Files.readString(Path.of("/usr/share/dbus-1/system.conf"))));
        ProcessBuilder pb = new ProcessBuilder("dbus-daemon", "--config-file=" + conf, "--nofork", "--nopidfile",
                "--nosyslog", "--print-address")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(dir.resolve("dbus-daemon.out").toFile())
                .redirectError(dir.resolve("dbus-daemon.err").toFile());
        pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", address);
        pb.environment().put("CORRAL_JAVA", java);
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        daemon = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                break;
            }
            if (Files.exists(socket) && Sys.readOr(dir.resolve("dbus-daemon.out"), "").contains("\n")) {
                return;
            }
            sleep(10);
        }
        throw new IllegalStateException("dbus-daemon did not come up: " + Sys.readOr(dir.resolve("dbus-daemon.err"), ""));
    }

    long pid() {
        return daemon == null ? -1 : daemon.pid();
    }

    void stop() {
        if (daemon != null) {
            Sys.terminate(daemon.pid(), Duration.ofSeconds(5));
        }
    }

    private String activationFile(String installed, Path corrald) {
        String exec = "Exec=" + corrald + " --config-dir " + configDir + " --runtime-dir " + runtimeDir;
        StringBuilder b = new StringBuilder();
        boolean sawExec = false;
        boolean sawUser = false;
        for (String line : installed.split("\n", -1)) {
            if (line.startsWith("Exec=")) {
                b.append(exec).append('\n');
                sawExec = true;
            } else if (line.startsWith("User=")) {
                b.append("User=root\n");
                sawUser = true;
            } else if (!line.isEmpty()) {
                b.append(line).append('\n');
            }
        }
        if (!sawExec) {
            b.append(exec).append('\n');
        }
        if (!sawUser) {
            b.append("User=root\n");
        }
        return b.toString();
    }

    private String busConfig(String hostSystemConf) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(hostSystemConf)));
            Element root = doc.getDocumentElement();
            List<Node> drop = new ArrayList<>();
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeType() == Node.ELEMENT_NODE && DROPPED.contains(n.getNodeName())) {
                    drop.add(n);
                }
            }
            drop.forEach(root::removeChild);
            append(doc, "listen", address);
            append(doc, "servicedir", dir.resolve("system-services").toString());
            append(doc, "includedir", "/usr/share/dbus-1/system.d");
            append(doc, "includedir", "/etc/dbus-1/system.d");
            append(doc, "includedir", dir.resolve("system.d").toString());
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.DOCTYPE_PUBLIC, "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN");
            t.setOutputProperty(OutputKeys.DOCTYPE_SYSTEM, "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot derive a bus config from /usr/share/dbus-1/system.conf", e);
        }
    }

    private static void append(Document doc, String element, String text) {
        Element e = doc.createElement(element);
        e.setTextContent(text);
        doc.getDocumentElement().appendChild(e);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
