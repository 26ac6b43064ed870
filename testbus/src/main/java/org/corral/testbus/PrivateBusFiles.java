package org.corral.testbus;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
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
 * The files of a private dbus-daemon of type system that runs the installed corrald, laid out in
 * one work directory: {@code system_bus_socket}, {@code system-services/} (activation files) and
 * {@code system.d/} (bus policy). Used by the integration tests and the benchmark alike.
 */
public final class PrivateBusFiles {
    /** The host's bus configuration that a private bus is derived from. */
    public static final Path HOST_SYSTEM_CONF = Path.of("/usr/share/dbus-1/system.conf");

    private static final Set<String> DROPPED = Set.of("user", "fork", "pidfile", "syslog", "servicehelper",
            "standard_system_servicedirs", "standard_session_servicedirs", "listen", "servicedir",
            "includedir", "include");

    private PrivateBusFiles() {
    }

    /** The bus socket in {@code workdir}. */
    public static Path socket(Path workdir) {
        return workdir.resolve("system_bus_socket");
    }

    /**
     * The bus configuration: the host's system.conf with type, auth and policies kept; listen,
     * user, fork, pidfile, syslog, servicehelper, standard service dirs and includes replaced by
     * the socket in {@code workdir}, its service dir and explicit include dirs.
     */
    public static String busConfig(String hostSystemConf, Path workdir) {
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
            append(doc, "listen", "unix:path=" + socket(workdir));
            append(doc, "servicedir", workdir.resolve("system-services").toString());
            // system.conf's "system.d" is relative to the config file: list the host's dirs explicitly.
            append(doc, "includedir", "/usr/share/dbus-1/system.d");
            append(doc, "includedir", "/etc/dbus-1/system.d");
            append(doc, "includedir", workdir.resolve("system.d").toString());

            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.DOCTYPE_PUBLIC, "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN");
            t.setOutputProperty(OutputKeys.DOCTYPE_SYSTEM, "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot derive a bus config from " + HOST_SYSTEM_CONF, e);
        }
    }

    private static void append(Document doc, String element, String text) {
        Element e = doc.createElement(element);
        e.setTextContent(text);
        doc.getDocumentElement().appendChild(e);
    }

    /**
     * The activation file: the installed one with Exec= pointing at the install tree's corrald
     * plus --config-dir/--runtime-dir, and User=root.
     */
    public static String activationFile(String installed, Path corrald, Path configDir, Path runtimeDir) {
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
}
