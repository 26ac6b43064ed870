package org.corral.bus;

import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.freedesktop.dbus.DBusCallInfo;
import org.freedesktop.dbus.connections.AbstractConnection;

/**
 * Work a method call starts only once its reply is on the socket. A start leaves work for
 * later (a standby supervisor for the next start, the machined registration, the next live
 * copy), each on a thread of its own; woken before the reply, on two cores those threads take
 * the CPU from the reply and the caller who waits for it.
 *
 * <p>dbus-java has no hook after a reply, so corral's message writer (bus/wire) calls
 * {@link #replyWritten} after each reply it writes, on its sender thread: the tasks must only
 * hand work to their own threads. Tasks of calls in flight at the same time may start after
 * the first of those replies; outside a method call, or when the caller expects no reply, a
 * task runs at once.
 */
public final class AfterReply {

    private static final Logger LOG = LogManager.getLogger(AfterReply.class);
    private static final ConcurrentLinkedQueue<Runnable> WAITING = new ConcurrentLinkedQueue<>();

    private AfterReply() {
    }

    /** Runs {@code kickOff} after the reply to the current method call, or now. */
    public static void run(Runnable kickOff) {
        var call = AbstractConnection.getCallInfo();
        if (call == null || (call.getFlags() & DBusCallInfo.NO_REPLY) != 0) {
            kickOff.run();
            return;
        }
        defer(kickOff);
    }

    static void defer(Runnable kickOff) {
        WAITING.add(kickOff);
    }

    /** A method return or error went out: what waited for it starts. */
    public static void replyWritten() {
        for (Runnable r; (r = WAITING.poll()) != null;) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // Never into dbus-java's sender, which would take it for a failed write.
                LOG.error("work after a reply failed", e);
            }
        }
    }
}
