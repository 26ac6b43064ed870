package org.corral.daemon;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.corral.bus.BusCalls;

/**
 * Ends a bus-activated service that has nothing to do: no container running, no call in flight,
 * and no call for the configured time. The next call activates it again, and it re-attaches.
 */
final class IdleExit {

    private final long timeoutMillis;
    private final BooleanSupplier anyContainerActive;
    private final Runnable stop;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corral-idle");
        t.setDaemon(true);
        return t;
    });

    IdleExit(long timeoutSeconds, BooleanSupplier anyContainerActive, Runnable stop) {
        this.timeoutMillis = TimeUnit.SECONDS.toMillis(timeoutSeconds);
        this.anyContainerActive = anyContainerActive;
        this.stop = stop;
    }

    void start() {
        long period = Math.max(200, Math.min(timeoutMillis / 4, 5000));
        timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        if (BusCalls.inFlight() == 0 && !anyContainerActive.getAsBoolean()
                && System.currentTimeMillis() - BusCalls.lastCallMillis() >= timeoutMillis) {
            timer.shutdown();
            stop.run();
        }
    }
}
