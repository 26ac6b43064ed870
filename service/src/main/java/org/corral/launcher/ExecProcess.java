package org.corral.launcher;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.corral.launcher.supervisor.SupervisorConnection;

/**
 * A command run inside a container (Exec), watched through its own corral-supervisor in enter
 * mode, which reports "started", then "exited CODE SIGNAL".
 */
public final class ExecProcess implements SupervisorConnection.Listener {

    /** Hears once how the command ended. Called on the monitor thread. */
    public interface EndListener {
        void ended(ExecProcess process, ExitStatus status);
    }

    private final long id;
    private final EndListener onEnd;
    private final CompletableFuture<String> firstLine = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile int pid;

    ExecProcess(long id, EndListener onEnd) {
        this.id = id;
        this.onEnd = onEnd;
    }

    public long id() {
        return id;
    }

    /** Host PID of the command. */
    public int pid() {
        return pid;
    }

    void started(int pid) {
        this.pid = pid;
    }

    CompletableFuture<String> firstLine() {
        return firstLine;
    }

    @Override
    public void line(String line) {
        if (!firstLine.isDone()) {
            firstLine.complete(line);
        } else if (line.startsWith("exited ")) {
            end(ExitStatus.parse(line));
        }
    }

    @Override
    public void closed() {
        if (!firstLine.isDone()) {
            firstLine.complete("");
        } else {
            end(ExitStatus.LOST); // the enter process was killed before it could report
        }
    }

    private void end(ExitStatus status) {
        if (ended.compareAndSet(false, true)) {
            onEnd.ended(this, status);
        }
    }
}
