package org.corral.launcher;

/** How init ended: an exit code, or the signal that killed it (code -1). */
public record ExitStatus(int code, int signal) {

    public static final int SIGHUP = 1;

    /** The supervisor went away without recording an end (killed, or the host rebooted). */
    public static final ExitStatus LOST = new ExitStatus(-1, 0);

    /** Parses "exited CODE SIGNAL [TIME]" from a control line or the exit file. */
    public static ExitStatus parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length < 3 || !f[0].equals("exited")) {
            throw new IllegalArgumentException("not an exit record: " + line);
        }
        return new ExitStatus(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
    }

    public boolean killedBy(int sig) {
        return signal == sig;
    }

    /** As a shell reports it: the code, or 128 + the signal. */
    public int shellStatus() {
        return signal != 0 ? 128 + signal : code;
    }

    @Override
    public String toString() {
        return signal != 0 ? "killed by signal " + signal : code < 0 ? "lost" : "exit code " + code;
    }
}
