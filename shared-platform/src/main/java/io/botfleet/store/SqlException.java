package io.botfleet.store;

/** A statement failed in the database or on the way to it. */
public class SqlException extends RuntimeException {
    public SqlException(String message, Throwable cause) {
        super(message, cause);
    }
}
