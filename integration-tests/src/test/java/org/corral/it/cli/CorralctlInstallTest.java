package org.corral.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.corral.it.Cli;
import org.corral.it.CorralService;
import org.corral.it.Install;
import org.corral.it.Poll;
import org.corral.it.PrivateSystemBus;
import org.corral.it.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** usr/bin/corralctl as installed: the wrapper, its lean class path, bash completion and the class archive cache. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CorralctlInstallTest {
    private final Install install = Install.fromBuild();
    private Path scratch;

    @BeforeEach
    void scratch() throws IOException {
        scratch = Files.createTempDirectory("corral-it-ctl");
    }

    @AfterEach
    void cleanup() {
        // A background archive dump (java -Xshare:dump) of a test's cache dir, if still running.
        for (long pid : Processes.withEnvironment("CORRAL_IT_SCRATCH", scratch.toString())) {
            if (pid != ProcessHandle.current().pid()) {
                Processes.kill(pid);
            }
        }
        Processes.deleteTree(scratch);
    }

    private Path corralctl() {
        return install.resolve("usr/bin/corralctl");
    }

    @Test
    void wrapperIsAnExecutablePosixShScript() throws IOException {
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(corralctl())));
        assertTrue(Files.readString(corralctl()).startsWith("#!/bin/sh\n"));
        Cli.exec(List.of("sh", "-n", corralctl().toString()), Map.of(), Duration.ofSeconds(10)).assertSuccess();
        if (Files.isExecutable(Path.of("/bin/dash"))) {
            Cli.exec(List.of("/bin/dash", "-n", corralctl().toString()), Map.of(), Duration.ofSeconds(10)).assertSuccess();
        }
    }

    @Test
    void classPathHoldsWhatTheCliNeedsAndNothingElse() throws IOException {
        Set<String> jars = new TreeSet<>();
        try (Stream<Path> s = Files.list(install.resolve("usr/lib/corral/cli"))) {
            s.forEach(p -> jars.add(p.getFileName().toString().replaceAll("-[0-9][0-9.]*\\.jar$", "")));
        }
        assertEquals(new TreeSet<>(List.of("corral-cli", "corral-interfaces", "dbus-java-core",
                "dbus-java-transport-junixsocket", "junixsocket-common", "junixsocket-native-common", "picocli",
                "slf4j-api")), jars);
        try (Stream<Path> s = Files.list(install.libDir())) {
            assertTrue(s.map(p -> p.getFileName().toString()).noneMatch(n -> n.startsWith("picocli") || n.startsWith("corral-cli")),
                    "the service's directory has no CLI jars");
        }
    }

    /** A stand-in java that prints its arguments one per line. */
    private Path fakeJava() throws IOException {
        Path java = Files.createDirectories(scratch.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    @Test
    void wrapperFindsItsJarsFromADestdirAndThroughASymlink() throws IOException {
        Path destdir = Files.createDirectories(scratch.resolve("destdir"));
        Cli.exec(List.of("tar", "-xzf", Install.tarball().toString(), "-C", destdir.toString()), Map.of(),
                Duration.ofSeconds(60)).assertSuccess();
        Path java = fakeJava();
        Path link = scratch.resolve("ctl-link");
        Files.createSymbolicLink(link, destdir.resolve("usr/bin/corralctl"));
        List<String> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(destdir.resolve("usr/lib/corral/cli").toRealPath())) {
            s.map(Path::toString).sorted().forEach(jars::add);
        }
        for (Path started : List.of(destdir.resolve("usr/bin/corralctl"), link)) {
            Cli.Result r = Cli.exec(List.of("env", "-u", "CORRAL_JAVA", "CORRAL_CLI_CDS=0", "CORRAL_JAVA_OPTS=-Xmx32m -Dx=*",
                    "PATH=" + java.getParent() + ":/usr/bin:/bin", started.toString(), "list", "--all"), Map.of(),
                    Duration.ofSeconds(30)).assertSuccess();
            Path jni = destdir.resolve("usr/lib/corral/native/libjunixsocket-native-2.10.0.so").toRealPath();
            assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto",
                    "-Dorg.newsclub.net.unix.library.override=" + jni,
                    "-Xmx32m", "-Dx=*", "-cp", String.join(":", jars), "org.corral.cli.Corralctl", "list", "--all"),
                    List.of(r.stdout().split("\n")), "started as " + started);
        }
    }

    @Test
    void wrapperKeepsItsCacheOnlyInADirectoryOfItsOwn() throws IOException {
        Path java = fakeJava();
        Path cache = scratch.resolve("cache");
        Cli.Result r = Cli.exec(List.of(corralctl().toString(), "list"), Map.of("CORRAL_JAVA", java.toString(),
                "CORRAL_CACHE_DIR", cache.toString(), "CORRAL_CLI_CDS", "1"), Duration.ofSeconds(30)).assertSuccess();
        List<String> args = List.of(r.stdout().split("\n"));
        assertTrue(args.contains("-Xlog:cds=off"), "CDS messages off: " + args);
        assertTrue(args.stream().anyMatch(a -> a.matches("-XX:DumpLoadedClassList=" + cache + "/corralctl-[0-9-]+\\.classlist\\.[0-9]+")),
                "the first bus verb lists its classes: " + args);
        assertTrue(args.stream().anyMatch(a -> a.matches("-Dorg\\.newsclub\\.net\\.unix\\.library\\.override=.*/usr/lib/corral/native/libjunixsocket-native-[0-9.]+\\.so")),
                "junixsocket's library from the package: " + args);

        // --help does not train the archive.
        Cli.Result help = Cli.exec(List.of(corralctl().toString(), "list", "--help"), Map.of("CORRAL_JAVA", java.toString(),
                "CORRAL_CACHE_DIR", scratch.resolve("cache2").toString()), Duration.ofSeconds(30)).assertSuccess();
        assertTrue(help.stdout().lines().noneMatch(a -> a.startsWith("-XX:DumpLoadedClassList")), help.stdout());

        // A cache directory others may write to is not used at all.
        Path open = Files.createDirectories(scratch.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Cli.Result shared = Cli.exec(List.of(corralctl().toString(), "list"), Map.of("CORRAL_JAVA", java.toString(),
                "CORRAL_CACHE_DIR", open.toString()), Duration.ofSeconds(30)).assertSuccess();
        assertTrue(shared.stdout().lines().noneMatch(a -> a.contains(open.toString())), shared.stdout());
    }

    @Test
    void classArchiveIsBuiltOnceAndUsedQuietly() throws IOException {
        Path cache = scratch.resolve("cache");
        try (PrivateSystemBus bus = PrivateSystemBus.withoutActivation(install);
                CorralService service = CorralService.start(install, bus)) {
            Map<String, String> env = Map.of("CORRAL_JAVA", Install.java(), "DBUS_SYSTEM_BUS_ADDRESS", bus.address(),
                    "CORRAL_CACHE_DIR", cache.toString(), "CORRAL_CLI_CDS", "1", "CORRAL_IT_SCRATCH", scratch.toString());
            List<String> list = List.of(corralctl().toString(), "list", "--all");

            // 1: lists its classes; 2: starts the dump in the background; then the archive is used.
            for (int run = 1; run <= 2; run++) {
                Cli.Result r = Cli.exec(list, env, Duration.ofSeconds(60)).assertSuccess();
                assertEquals("", r.stderr(), "run " + run + " is quiet");
                assertTrue(r.stdout().startsWith(" Id   Name   State\n"), r.stdout());
            }
            Poll.require(Duration.ofSeconds(180), () -> archives(cache).size() == 1 && tmpFiles(cache).isEmpty(),
                    () -> "no archive in " + cache + ": " + Install.cacheFiles(cache));
            Path log = scratch.resolve("classes.log");
            Map<String, String> traced = new java.util.HashMap<>(env);
            traced.put("CORRAL_JAVA_OPTS", "-Xlog:class+load:file=" + log);
            Cli.Result r = Cli.exec(list, traced, Duration.ofSeconds(60)).assertSuccess();
            assertEquals("", r.stderr(), "quiet with the archive");
            String classes = Files.readString(log);
            assertTrue(classes.contains("org.corral.cli.Corralctl source: shared objects file"),
                    "corralctl's classes come from the archive");
            assertTrue(classes.contains("org.corral.cli.ContainerList source: shared objects file"),
                    "list takes its picocli-free path");
            // (Verifying Corralctl loads a few of picocli's exception types; its model is never built.)
            assertTrue(classes.lines().noneMatch(l -> l.contains(" picocli.CommandLine source")), "list builds no picocli model");
            assertTrue(classes.contains("org.corral.cli.DirectBus source: shared objects file"), "list calls through DirectBus");
            assertTrue(classes.lines().noneMatch(l -> l.contains(" org.freedesktop.dbus.connections.impl.DBusConnection ")),
                    "list opens no dbus-java connection");

            // A stale archive (other jars) is ignored silently.
            Cli.Result other = Cli.exec(list, Map.of("CORRAL_JAVA", Install.java(), "DBUS_SYSTEM_BUS_ADDRESS", bus.address(),
                    "CORRAL_CACHE_DIR", cache.toString(), "CORRAL_JAVA_OPTS", "-XX:SharedArchiveFile=" + scratch.resolve("nothing.jsa"),
                    "CORRAL_IT_SCRATCH", scratch.toString()), Duration.ofSeconds(60)).assertSuccess();
            assertEquals("", other.stderr());
        }
    }

    private static List<String> archives(Path dir) {
        return Install.cacheFiles(dir).stream().filter(n -> n.endsWith(".jsa")).toList();
    }

    private static List<String> tmpFiles(Path dir) {
        return Install.cacheFiles(dir).stream().filter(n -> n.matches(".*\\.(jsa|classlist)\\.[0-9]+")).toList();
    }

    @Test
    void bashCompletionCompletesVerbsAndOptions() {
        Path completion = install.resolve("usr/share/bash-completion/completions/corralctl");
        String script = "source \"$1\"; complete -p corralctl;"
                + " COMP_WORDS=(corralctl li); COMP_CWORD=1; COMP_LINE='corralctl li'; COMP_POINT=12; _complete_corralctl; echo \"verbs: ${COMPREPLY[*]}\";"
                + " COMP_WORDS=(corralctl dumpxml --in); COMP_CWORD=2; COMP_LINE='corralctl dumpxml --in'; COMP_POINT=22; _complete_corralctl; echo \"options: ${COMPREPLY[*]}\"";
        Cli.Result r = Cli.exec(List.of("bash", "-c", script, "bash", completion.toString()), Map.of(), Duration.ofSeconds(30))
                .assertSuccess();
        assertTrue(r.stdout().matches("(?s)complete .*-F _complete_corralctl corralctl.*"), r.describe());
        assertTrue(r.stdout().contains("\nverbs: list\n"), r.describe());
        assertTrue(r.stdout().contains("options: --inactive"), r.describe());
    }
}
