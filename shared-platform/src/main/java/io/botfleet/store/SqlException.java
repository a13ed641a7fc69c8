package io.botfleet.store;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A statement failed in the database or on the way to it. */
public class SqlException extends RuntimeException {
    /** The Data API reports the database's SQLSTATE at the end of a DatabaseErrorException's message. */
    private static final Pattern DATA_API_STATE = Pattern.compile("SQLState: ([0-9A-Z]{5})");

    public SqlException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The database's SQLSTATE when the database refused the statement ({@code 23505}: a unique violation), else null. */
    public String sqlState() {
        for (Throwable cause = getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
            Matcher state = DATA_API_STATE.matcher(String.valueOf(cause.getMessage()));
            if (state.find()) {
                return state.group(1);
            }
        }
        return null;
    }

    /** Another statement took the unique value this one wanted at the same moment: nothing was changed. */
    public boolean isUniqueViolation() {
        return "23505".equals(sqlState());
    }
}
