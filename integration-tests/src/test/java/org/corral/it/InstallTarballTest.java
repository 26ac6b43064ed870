package org.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The install tarball: layout, modes, the wrapper script, and the files the bus, polkit and systemd read. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InstallTarballTest {
    private static final List<String> REQUIRED = List.of(
            "usr/libexec/corral/corrald",
            "usr/libexec/corral/corral-supervisor",
            "usr/share/dbus-1/system-services/org.corral1.service",
            "usr/share/dbus-1/system.d/org.corral1.conf",
            "usr/share/polkit-1/actions/org.corral1.policy",
            "usr/lib/systemd/system/corral.service",
            "usr/bin/corralctl",
            "usr/lib/corral/cli/corral-cli-" + Install.version() + ".jar",
            "usr/share/bash-completion/completions/corralctl",
            "etc/corral/containers/");

    private final Install install = Install.fromBuild();
    private Path scratch;

    @BeforeEach
    void scratch() throws IOException {
        scratch = Files.createTempDirectory("corral-it-install");
    }

    @AfterEach
    void cleanup() {
        Processes.deleteTree(scratch);
    }

    /** "mode path" per entry, from tar -tvzf. */
    private static Map<String, String> tarEntries() {
        Path tarball = Install.tarball();
        assertTrue(Files.isRegularFile(tarball), "tarball " + tarball + " exists");
        Cli.Result r = Cli.exec(List.of("tar", "-tvzf", tarball.toString()), Map.of(), Duration.ofSeconds(60))
                .assertSuccess();
        Map<String, String> entries = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+", 6);
            entries.put(f[5], f[0]);
        }
        return entries;
    }

    @Test
    void tarballIsRootedAtSlashAndHoldsEveryPath() {
        Map<String, String> entries = tarEntries();
        for (String path : entries.keySet()) {
            assertTrue(path.startsWith("usr/") || path.startsWith("etc/"),
                    "entry " + path + " lies under usr/ or etc/ (no leading directory)");
            assertFalse(path.startsWith("/") || path.contains(".."), "entry " + path + " is relative and stays inside");
            assertFalse(path.endsWith(".pom"), "no .pom entries: " + path);
        }
        for (String required : REQUIRED) {
            assertTrue(entries.containsKey(required), "tarball holds " + required + "; it has " + entries.keySet());
        }
        assertEquals("-rwxr-xr-x", entries.get("usr/libexec/corral/corrald"), "mode of corrald");
        assertEquals("-rwxr-xr-x", entries.get("usr/libexec/corral/corral-supervisor"), "mode of corral-supervisor");
        assertTrue(entries.get("etc/corral/containers/").startsWith("d"), "etc/corral/containers is a directory");
        assertTrue(entries.keySet().stream().noneMatch(p -> p.startsWith("etc/corral/containers/") && !p.equals("etc/corral/containers/")),
                "etc/corral/containers is empty");
        if (Files.isRegularFile(Install.projectRoot().resolve("README.md"))) {
            assertTrue(entries.containsKey("usr/share/doc/corral/README.md"), "README.md is installed as documentation");
        }
    }

    @Test
    void tarballHoldsOneServiceJarWithItsLibraries() throws IOException {
        Set<String> jars = new HashSet<>();
        for (String path : tarEntries().keySet()) {
            if (path.startsWith("usr/lib/corral/") && !path.endsWith("/") && !path.equals("usr/lib/corral/jvm-cds.sh")
                    && !path.startsWith("usr/lib/corral/native/") && !path.startsWith("usr/lib/corral/cli/")) {
                assertTrue(path.endsWith(".jar"), "only jars (and jvm-cds.sh, native/, cli/) in usr/lib/corral: " + path);
                jars.add(path.substring("usr/lib/corral/".length()));
            }
        }
        String v = Install.version();
        assertEquals(Set.of("corral-service-" + v + ".jar"), jars, "the service with its libraries, as one jar");
        try (JarFile jar = new JarFile(install.libDir().resolve("corral-service-" + v + ".jar").toFile())) {
            for (String cls : List.of("org/corral/daemon/Main", "org/corral1/Manager",
                    "org/freedesktop/dbus/connections/impl/DBusConnection",
                    "org/freedesktop/dbus/transport/junixsocket/JUnixSocketBusAddress",
                    "org/newsclub/net/unix/AFUNIXSocket", "jakarta/xml/bind/JAXBContext",
                    "org/glassfish/jaxb/runtime/v2/ContextFactory", "jnr/posix/POSIX", "ru/serce/jnrfuse/FuseStubFS",
                    "org/apache/logging/log4j/LogManager", "org/slf4j/LoggerFactory")) {
                assertNotNull(jar.getEntry(cls + ".class"), cls + " is in the service jar");
            }
            for (String prefix : List.of("org/apache/logging/log4j/core/", "org/junit/", "org/opentest4j/",
                    "org/freedesktop/dbus/transport/jnr/", "picocli/", "lib/")) {
                assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith(prefix)), "nothing of " + prefix);
            }
            // dbus-java takes the first socket provider it finds: corral's checked one.
            String providers = new String(jar.getInputStream(
                    jar.getEntry("META-INF/services/org.freedesktop.dbus.spi.message.ISocketProvider")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertEquals("org.corral.bus.wire.CheckedSocketProvider",
                    providers.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
                            .orElse(""), providers);
            assertNotNull(jar.getEntry("META-INF/services/jakarta.xml.bind.JAXBContextFactory"), "JAXB's runtime is found");
            assertEquals("true", jar.getManifest().getMainAttributes().getValue("Multi-Release"));
            assertEquals(v, jar.getManifest().getMainAttributes().getValue("Implementation-Version"));
        }
    }

    @Test
    void installedWrapperIsExecutable() throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(install.corrald());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(perms));
        assertTrue(Files.readString(install.corrald()).startsWith("#!/bin/sh\n"), "POSIX sh script");
        Cli.exec(List.of("sh", "-n", install.corrald().toString()), Map.of(), Duration.ofSeconds(10)).assertSuccess();
    }

    /** A stand-in java that prints its arguments one per line. */
    private Path fakeJava(String dirName) throws IOException {
        Path dir = Files.createDirectories(scratch.resolve(dirName));
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private static List<String> expectedArgs(Path libDir, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
                "-XX:-UsePerfData", "-Xss512k", "-Djava.locale.providers=SPI,CLDR", "-Dorg.newsclub.net.unix.library.override=" + libDir + "/native/libjunixsocket-native-2.10.0.so",
                // jffi's stub from the package too: no copy at every start, none in the working directory
                "-Djffi.boot.library.path=" + libDir + "/native"));
        args.addAll(List.of(extra));
        // corral-service's jar first (its D-Bus socket provider must win), then every jar by name.
        List<String> jars;
        try (var list = Files.list(libDir)) {
            jars = list.map(Path::toString).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
        List<String> cp = new ArrayList<>(jars.stream().filter(n -> n.contains("/corral-service-")).toList());
        cp.addAll(jars.stream().filter(n -> !n.contains("/corral-service-")).toList());
        args.addAll(List.of("-cp", String.join(":", cp), "org.corral.daemon.Main"));
        return args;
    }

    @Test
    void wrapperExecsJavaFromCorralJavaWithOptionsAndJarsBesideIt() throws IOException {
        Path java = fakeJava("alt");
        Cli.Result r = Cli.exec(List.of(install.corrald().toString(), "--config-dir", "/c d", "--runtime-dir", "/r"),
                Map.of("CORRAL_JAVA", java.toString(), "CORRAL_JAVA_OPTS", "-Xmx64m -Dcorral.x=*", "CORRAL_DAEMON_CDS", "0"),
                Duration.ofSeconds(30)).assertSuccess();
        List<String> expected = expectedArgs(install.libDir().toRealPath(), "-Xmx64m", "-Dcorral.x=*");
        expected.addAll(List.of("--config-dir", "/c d", "--runtime-dir", "/r"));
        assertEquals(expected, canonicalClassPath(List.of(r.stdout().split("\n"))));
    }

    /**
     * A run that records the class list for corrald's archive is told so (it then loads the XML
     * model, ClassListWarmup); a run that uses the archive is not.
     */
    @Test
    void theRecordingRunIsToldSo() throws IOException {
        Path java = fakeJava("rec");
        Path cache = Files.createDirectories(scratch.resolve("daemon-cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
        Cli.Result r = Cli.exec(List.of(install.corrald().toString()),
                Map.of("CORRAL_JAVA", java.toString(), "CORRAL_CACHE_DIR", cache.toString()),
                Duration.ofSeconds(30)).assertSuccess();
        List<String> args = List.of(r.stdout().split("\n"));
        assertTrue(args.stream().anyMatch(a -> a.startsWith("-XX:DumpLoadedClassList=" + cache + "/corrald-")), r.stdout());
        assertTrue(args.contains("-Dcorral.cds.recording=true"), r.stdout());
        // As if that run had ended and its list had been dumped into an archive.
        String list = args.stream().filter(a -> a.startsWith("-XX:DumpLoadedClassList=")).findFirst().orElseThrow()
                .substring("-XX:DumpLoadedClassList=".length());
        Files.writeString(Path.of(list.substring(0, list.indexOf(".classlist")) + ".jsa"), "");
        Cli.Result archived = Cli.exec(List.of(install.corrald().toString()),
                Map.of("CORRAL_JAVA", java.toString(), "CORRAL_CACHE_DIR", cache.toString()),
                Duration.ofSeconds(30)).assertSuccess();
        List<String> later = List.of(archived.stdout().split("\n"));
        assertTrue(later.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile=")), archived.stdout());
        assertFalse(later.contains("-Dcorral.cds.recording=true"), archived.stdout());
    }

    /** The arguments with the -cp value's jars after the first in name order (the shell's glob order is its locale's). */
    private static List<String> canonicalClassPath(List<String> args) {
        List<String> out = new ArrayList<>(args);
        int cp = out.indexOf("-cp");
        if (cp >= 0 && cp + 1 < out.size()) {
            List<String> jars = new ArrayList<>(List.of(out.get(cp + 1).split(":")));
            List<String> rest = new ArrayList<>(jars.subList(1, jars.size()));
            rest.sort(null);
            out.set(cp + 1, jars.get(0) + (rest.isEmpty() ? "" : ":" + String.join(":", rest)));
        }
        return out;
    }

    @Test
    void wrapperFindsJavaOnPathAndWorksFromADestdirAndThroughASymlink() throws IOException {
        Path destdir = Files.createDirectories(scratch.resolve("destdir"));
        Cli.exec(List.of("tar", "-xzf", Install.tarball().toString(), "-C", destdir.toString()), Map.of(),
                Duration.ofSeconds(60)).assertSuccess();
        Path java = fakeJava("bin");
        String path = java.getParent() + ":/usr/bin:/bin";
        Path corrald = destdir.resolve("usr/libexec/corral/corrald");
        Path link = scratch.resolve("corrald-link");
        Files.createSymbolicLink(link, corrald);
        for (Path started : List.of(corrald, link)) {
            Cli.Result r = Cli.exec(List.of("env", "-u", "CORRAL_JAVA", "-u", "CORRAL_JAVA_OPTS", "PATH=" + path,
                    "CORRAL_DAEMON_CDS=0", started.toString(), "x"), Map.of(), Duration.ofSeconds(30)).assertSuccess();
            List<String> expected = expectedArgs(destdir.resolve("usr/lib/corral").toRealPath());
            expected.add("x");
            assertEquals(expected, canonicalClassPath(List.of(r.stdout().split("\n"))), "started as " + started);
        }
    }

    @Test
    void activationFileHasTheRightKeys() throws IOException {
        List<String> lines = Files.readAllLines(install.activationFile()).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("[D-BUS Service]", lines.get(0), "the only section");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            assertFalse(line.startsWith("["), "one section only: " + line);
            int eq = line.indexOf('=');
            assertTrue(eq > 0, "key=value: " + line);
            keys.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals(Map.of("Name", "org.corral1", "Exec", "/usr/libexec/corral/corrald --idle-timeout 120", "User", "root",
                "SystemdService", "corral.service"), keys);
    }

    private static Document parse(Path file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(Files.readString(file))));
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagName(name);
        for (int i = 0; i < nodes.getLength(); i++) {
            result.add((Element) nodes.item(i));
        }
        return result;
    }

    @Test
    void busPolicyLetsRootOwnAndEverybodyCall() throws Exception {
        Element root = parse(install.busPolicy()).getDocumentElement();
        assertEquals("busconfig", root.getTagName());
        boolean rootOwns = false;
        boolean everybodySends = false;
        boolean everybodyReceives = false;
        for (Element policy : children(root, "policy")) {
            for (Element allow : children(policy, "allow")) {
                if ("root".equals(policy.getAttribute("user")) && "org.corral1".equals(allow.getAttribute("own"))) {
                    rootOwns = true;
                }
                if ("default".equals(policy.getAttribute("context"))) {
                    // Unrestricted: no send_interface/send_member limits, so Introspectable, Properties, Peer work.
                    if ("org.corral1".equals(allow.getAttribute("send_destination"))
                            && allow.getAttributes().getLength() == 1) {
                        everybodySends = true;
                    }
                    if ("org.corral1".equals(allow.getAttribute("receive_sender"))) {
                        everybodyReceives = true;
                    }
                }
                assertFalse("default".equals(policy.getAttribute("context")) && allow.hasAttribute("own"),
                        "the default context may not own anything");
            }
            assertTrue(children(policy, "deny").isEmpty(), "no deny rules needed");
        }
        assertTrue(rootOwns, "root may own org.corral1");
        assertTrue(everybodySends, "default context may send to org.corral1, every interface");
        assertTrue(everybodyReceives, "default context may receive from org.corral1");
    }

    @Test
    void polkitActionsAreDeclared() throws Exception {
        Element root = parse(install.polkitActions()).getDocumentElement();
        assertEquals("policyconfig", root.getTagName());
        Map<String, Element> actions = new LinkedHashMap<>();
        for (Element a : children(root, "action")) {
            actions.put(a.getAttribute("id"), a);
            assertFalse(children(a, "description").get(0).getTextContent().isBlank(), "description of " + a.getAttribute("id"));
            assertFalse(children(a, "message").get(0).getTextContent().isBlank(), "message of " + a.getAttribute("id"));
        }
        assertEquals(Set.of("org.corral1.manage-containers", "org.corral1.open-console",
                "org.corral1.enter-container", "org.corral1.read-config"), actions.keySet());
        Element manage = children(actions.get("org.corral1.manage-containers"), "defaults").get(0);
        assertEquals("auth_admin", children(manage, "allow_any").get(0).getTextContent());
        assertEquals("auth_admin", children(manage, "allow_inactive").get(0).getTextContent());
        assertEquals("auth_admin_keep", children(manage, "allow_active").get(0).getTextContent());
        Element read = children(actions.get("org.corral1.read-config"), "defaults").get(0);
        assertEquals("auth_admin_keep", children(read, "allow_active").get(0).getTextContent());
    }

    @Test
    void systemdUnitIsADbusServiceThatLeavesContainersAlone() throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(install.systemdUnit())) {
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            keys.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        assertEquals(List.of("dbus"), keys.get("Type"));
        assertEquals(List.of("org.corral1"), keys.get("BusName"));
        assertEquals(List.of("/usr/libexec/corral/corrald"), keys.get("ExecStart"));
        assertEquals(List.of("process"), keys.get("KillMode"));
        assertNull(keys.get("Delegate"), "containers run in machine scopes or /machine, not below the unit");
        assertEquals(List.of("143"), keys.get("SuccessExitStatus"));
        assertTrue(keys.containsKey("Documentation"), "Documentation=");
        assertFalse(List.of("yes").equals(keys.get("PrivateTmp")), "no PrivateTmp");
        assertFalse(List.of("strict").equals(keys.get("ProtectSystem")), "no ProtectSystem=strict");
        assertFalse(List.of("yes").equals(keys.get("ProtectHome")), "ProtectHome must stay off");
    }
}
