package io.botfleet.log;

import io.botfleet.Log;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One library logger: its lines at {@code LOG_LEVEL} and above go out through {@link Log}, an
 * exception as botfleet's own are ({@code error: {type, message, stack}}, no message a library
 * wrote). DEBUG and TRACE stay off whatever the level: there the libraries write request bodies
 * (the AWS SDK's Data API calls carry the statements' values). The INFO lines of the libraries
 * that set up the database (the embedded PostgreSQL's, the pool's start and stop) are DEBUG:
 * chatter at every start that says nothing a user acts on; their warnings stay warnings.
 */
final class JsonLogger extends LegacyAbstractLogger {
    private static final List<String> SET_UP_LIBRARIES = List.of("io.zonky.", "com.zaxxer.hikari.");

    private final boolean setUp;

    JsonLogger(String name) {
        this.name = name;
        this.setUp = SET_UP_LIBRARIES.stream().anyMatch(name::startsWith);
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }

    @Override
    public boolean isDebugEnabled() {
        return false;
    }

    @Override
    public boolean isInfoEnabled() {
        return Log.enabled(setUp ? "DEBUG" : "INFO");
    }

    @Override
    public boolean isWarnEnabled() {
        return Log.enabled("WARN");
    }

    @Override
    public boolean isErrorEnabled() {
        return Log.enabled("ERROR");
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        String written = setUp && level == Level.INFO ? "DEBUG" : level.name();
        Log.library(written, name, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
    }
}
