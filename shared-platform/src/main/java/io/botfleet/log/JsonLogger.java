package io.botfleet.log;

import io.botfleet.Log;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One library logger: its lines at {@code LOG_LEVEL} and above go out through {@link Log}. */
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
