package org.corral.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A PID together with its start time (field 22 of /proc/PID/stat), so that a PID the kernel has
 * since given to another process is never mistaken for ours.
 */
public record ProcessIdentity(int pid, long startTime) {

    public boolean isAlive() {
        try {
            return startTime(pid) == startTime;
        } catch (IOException e) {
            return false;
        }
    }

    public static long startTime(int pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (NoSuchFileException e) {
            throw new IOException("no process " + pid, e);
        }
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(rest[19]);
    }
}
