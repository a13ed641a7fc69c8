package io.botfleet.store;

import io.botfleet.log.Redacted;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * A statement failed in the database or on the way to it. What it says is safe by construction:
 * the statement by name ({@link NamedStatement#nameOf}), the database's SQLSTATE and the class of
 * what failed, never the driver's or the Data API's message, which quotes values (PostgreSQL's
 * Detail gives a unique violation's key and a refused row, its message the text a cast refused).
 * That exception is kept only as a {@link Redacted} copy: its class and stack frames.
 */
public class SqlException extends RuntimeException {
    /** The Data API reports the database's SQLSTATE at the end of a DatabaseErrorException's message. */
    private static final Pattern DATA_API_STATE = Pattern.compile("SQLState: ([0-9A-Z]{5})");

    private final String sqlState;

    /**
     * @param statement    the statement's text (it is logged by its name), or a step such as {@code COMMIT}
     * @param circumstance botfleet's own words on when it failed ({@code after 3 attempts}), or null
     * @param failure      what the driver or the Data API threw, or null
     */
    public SqlException(String statement, String circumstance, Throwable failure) {
        this(NamedStatement.nameOf(statement), circumstance, failure, sqlStateOf(failure));
    }

    private SqlException(String name, String circumstance, Throwable failure, String sqlState) {
        super("statement " + name + " failed" + (circumstance == null ? "" : " " + circumstance)
                + (sqlState == null ? "" : ": SQLSTATE " + sqlState)
                + (failure == null ? "" : " (" + kind(failure) + ")"), Redacted.of(failure));
        this.sqlState = sqlState;
    }

    /** The database's SQLSTATE when the database refused the statement ({@code 23505}: a unique violation), else null. */
    public String sqlState() {
        return sqlState;
    }

    /** Another statement took the unique value this one wanted at the same moment: nothing was changed. */
    public boolean isUniqueViolation() {
        return "23505".equals(sqlState);
    }

    /** A CHECK constraint refused a row the statement would write: nothing was changed. */
    public boolean isCheckViolation() {
        return "23514".equals(sqlState);
    }

    /** The first SQLSTATE in the chain: the driver's, or the five characters the Data API appends to its message. */
    private static String sqlStateOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
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

    /** The failure's class, and the Data API's error code when the class does not say it. */
    private static String kind(Throwable failure) {
        String name = Redacted.typeOf(failure);
        String type = name.substring(name.lastIndexOf('.') + 1);
        if (failure instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().errorCode() != null && !aws.awsErrorDetails().errorCode().equals(type)) {
            return type + " " + aws.awsErrorDetails().errorCode();
        }
        return type;
    }
}
