package org.corral.log;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * dbus-java logs through SLF4J; this provider writes its events as {@link LineFormat} lines,
 * at the levels {@link LogSettings} gives (org.freedesktop: WARN). Why not log4j-slf4j2-impl:
 * dbus-java's first logger would start the Log4j API on the thread that connects to the bus, and
 * that start-up (about 50 ms, measured) would lie on bus activation's path.
 */
public final class Slf4jLineProvider implements SLF4JServiceProvider {

    private ILoggerFactory loggers;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    @Override
    public void initialize() {
        LogSettings settings = LogSettings.fromEnvironment();
        Map<String, Slf4jLineLogger> byName = new ConcurrentHashMap<>();
        loggers = name -> byName.computeIfAbsent(name,
                n -> new Slf4jLineLogger(n, settings.levelOf(n), settings.journal(), System.err));
        markers = new BasicMarkerFactory();
        mdc = new NOPMDCAdapter();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
