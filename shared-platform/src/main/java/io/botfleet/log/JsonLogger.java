package io.botfleet.log;

import io.botfleet.Log;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One library logger: its lines at {@code LOG_LEVEL} and above go out through {@link Log}, an
 * exception as botfleet's own are ({@code error: {type, message, stack}}, no message a library
 * wrote). DEBUG and TRACE stay off whatever the level: there the libraries write request bodies
 * (the AWS SDK's Data API calls carry the statements' values).
 */
final class JsonLogger extends LegacyAbstractLogger {

    JsonLogger(String name) {
        this.name = name;
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
        return Log.enabled("INFO");
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
        Log.library(level.name(), name, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
    }
}
