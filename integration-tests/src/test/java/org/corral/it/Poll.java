package org.corral.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling instead of sleeps. */
public final class Poll {
    private static final long INTERVAL_MS = 50;

    private Poll() {
    }

    /**
     * Polls {@code condition} until it holds; returns false when {@code timeout} passed first.
     */
    public static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Like {@link #until} but fails with the message {@code describe} gives at the time. */
    public static void require(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
        if (!until(timeout, condition)) {
            throw new AssertionError("not within " + timeout.toMillis() + " ms: " + describe.get());
        }
    }
}
