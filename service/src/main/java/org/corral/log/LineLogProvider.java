package org.corral.log;

import org.apache.logging.log4j.spi.Provider;

/**
 * corrald's Log4j 2 backend, found by the Log4j API through ServiceLoader: one line per event on
 * stderr (see {@link LineLogger}). The code logs through the Log4j 2 API everywhere, and
 * dbus-java's slf4j reaches the same lines through log4j-slf4j2-impl.
 *
 * <p>Why not log4j-core: bus activation has a 300 ms budget, and log4j-core's start-up (plugin
 * registry, configuration, annotation proxies) took 175 ms of it, measured with class-data
 * sharing on the 2-core test machine; this backend takes under 5 ms. corrald needs nothing of
 * log4j-core's but a level per logger prefix and two line formats. A log4j-core jar added to the
 * class path wins over this provider (higher priority), for whoever wants appenders.
 */
public final class LineLogProvider extends Provider {

    /** Below log4j-core's 10. */
    private static final int PRIORITY = 5;

    public LineLogProvider() {
        super(PRIORITY, "2.6.0", LineLoggerContextFactory.class);
    }
}
