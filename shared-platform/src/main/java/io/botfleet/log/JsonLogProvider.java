package io.botfleet.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of botfleet: the libraries' lines (HikariCP, the AWS SDK, fabric8, OkHttp)
 * become JSON lines like botfleet's own, with the invocation's fields, instead of being dropped
 * (and instead of SLF4J's plain-text "no providers" warning on every cold start).
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
    private final ILoggerFactory loggers = JsonLogger::new;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

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

    @Override
    public void initialize() {
    }
}
