package org.corral.log;

import java.net.URI;

import org.apache.logging.log4j.spi.LoggerContext;
import org.apache.logging.log4j.spi.LoggerContextFactory;

/** One logger context for the whole process: corrald has no class loader hierarchy to separate. */
public final class LineLoggerContextFactory implements LoggerContextFactory {

    @Override
    public LoggerContext getContext(String fqcn, ClassLoader loader, Object externalContext, boolean currentContext) {
        return LineLoggerContext.INSTANCE;
    }

    @Override
    public LoggerContext getContext(String fqcn, ClassLoader loader, Object externalContext, boolean currentContext,
            URI configLocation, String name) {
        return LineLoggerContext.INSTANCE;
    }

    @Override
    public void removeContext(LoggerContext context) {
        // the one context lives as long as the process
    }

    @Override
    public boolean isClassLoaderDependent() {
        return false;
    }
}
