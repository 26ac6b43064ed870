package org.corral.launcher;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.corral.network.PlumbedInterface;

import org.corral.store.AtomicFile;

/**
 * What the service needs to find a running container again after a restart or a SIGKILL,
 * written atomically to the runtime directory before anything is started and updated once init
 * runs. Private to corral (the header says so), versioned.
 */
public record LiveState(String name, String uuid, boolean persistent, String cgroup, long startedAtMicros,
        int supervisorPid, long supervisorStart, int initPid, long initStart, String stopIntent,
        List<PlumbedInterface> nics, List<String> loops) {

    /** Without loop devices ({@code <filesystem type='file'>} images attached for the container). */
    public LiveState(String name, String uuid, boolean persistent, String cgroup, long startedAtMicros,
            int supervisorPid, long supervisorStart, int initPid, long initStart, String stopIntent,
            List<PlumbedInterface> nics) {
        this(name, uuid, persistent, cgroup, startedAtMicros, supervisorPid, supervisorStart, initPid, initStart,
                stopIntent, nics, List.of());
    }

    private static final String HEADER = "corral live state of a container; private, do not parse";

    public void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", "1");
        p.setProperty("name", name);
        p.setProperty("uuid", uuid);
        p.setProperty("persistent", Boolean.toString(persistent));
        p.setProperty("cgroup", cgroup);
        p.setProperty("startedAt", Long.toString(startedAtMicros));
        p.setProperty("supervisorPid", Integer.toString(supervisorPid));
        p.setProperty("supervisorStart", Long.toString(supervisorStart));
        p.setProperty("initPid", Integer.toString(initPid));
        p.setProperty("initStart", Long.toString(initStart));
        p.setProperty("stopIntent", stopIntent);
        PlumbedInterface.store(nics, p);
        if (!loops.isEmpty()) {
            p.setProperty("loops", String.join(" ", loops));
        }
        StringWriter out = new StringWriter();
        p.store(out, HEADER);
        AtomicFile.write(file, out.toString().getBytes(StandardCharsets.UTF_8), "rw-------", false);
    }

    public static LiveState read(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        if (!"1".equals(p.getProperty("version"))) {
            throw new IOException(file + ": unknown state version " + p.getProperty("version"));
        }
        try {
            return new LiveState(p.getProperty("name"), p.getProperty("uuid"),
                    Boolean.parseBoolean(p.getProperty("persistent")), p.getProperty("cgroup"),
                    Long.parseLong(p.getProperty("startedAt")), Integer.parseInt(p.getProperty("supervisorPid")),
                    Long.parseLong(p.getProperty("supervisorStart")), Integer.parseInt(p.getProperty("initPid")),
                    Long.parseLong(p.getProperty("initStart")), p.getProperty("stopIntent", "none"),
                    PlumbedInterface.load(p), p.getProperty("loops", "").isBlank() ? List.of()
                            : List.of(p.getProperty("loops").trim().split(" +")));
        } catch (RuntimeException e) {
            throw new IOException(file + ": damaged state file: " + e, e);
        }
    }
}
