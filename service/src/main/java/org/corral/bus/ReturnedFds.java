package org.corral.bus;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.corral.sys.Native;

/**
 * Closes fds the service returned in a reply, once the reply is out. dbus-java writes replies on
 * a sender thread after the handler returns, and closing the fd before that kills the sender and
 * leaves the caller without a reply (see the java-dbus-stack notes). corral's own message writer
 * (bus/wire) calls {@link #sent} right after writing a message; a timer is the fallback. Whoever
 * takes an fd out of the pending set closes it, so an fd number is never closed twice (it may
 * belong to something else by then).
 */
public final class ReturnedFds {

    private static final long FALLBACK_SECONDS = 10;
    private static final Set<Integer> PENDING = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService CLOSER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corral-fd-closer");
        t.setDaemon(true);
        return t;
    });

    private ReturnedFds() {
    }

    static void closeLater(int fd) {
        PENDING.add(fd);
        CLOSER.schedule(() -> closeIfPending(fd), FALLBACK_SECONDS, TimeUnit.SECONDS);
    }

    /** A message carrying this fd has been written to the bus: our copy can go. */
    public static void sent(int fd) {
        closeIfPending(fd);
    }

    private static void closeIfPending(int fd) {
        if (PENDING.remove(fd)) {
            Native.closeQuietly(fd);
        }
    }
}
