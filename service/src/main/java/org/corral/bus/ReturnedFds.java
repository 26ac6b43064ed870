package org.corral.bus;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.corral.sys.Native;

/**
 * Closes fds the service returned in a reply. dbus-java writes replies on a sender thread after
 * the handler returns, and closing the fd before that kills the sender and leaves the caller
 * without a reply (see java-dbus-stack notes); a few seconds later the bus has its own copy.
 */
final class ReturnedFds {

    private static final long DELAY_SECONDS = 5;
    private static final ScheduledExecutorService CLOSER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corral-fd-closer");
        t.setDaemon(true);
        return t;
    });

    private ReturnedFds() {
    }

    static void closeLater(int fd) {
        CLOSER.schedule(() -> Native.closeQuietly(fd), DELAY_SECONDS, TimeUnit.SECONDS);
    }
}
