package io.botfleet.log;

import java.util.Objects;

/**
 * A copy of an exception with only what may be logged: its class, its stack frames, its causes
 * (copied the same way), and its message only if botfleet wrote it. A driver's, a parser's or an
 * SDK's message may quote a statement's values or a setting's text (PostgreSQL's Detail quotes the
 * key of a unique violation; a YAML parser quotes the line it stopped at), so botfleet keeps this
 * copy, never the original, as the cause of its own exceptions: nothing that prints the chain (a
 * log line, the Lambda runtime's report of an uncaught error) can show that text.
 */
public final class Redacted extends RuntimeException {
    private static final int MAX_DEPTH = 16;
    private final String type;

    private Redacted(Throwable original, int depth) {
        super(safeMessage(original), original.getCause() == null || depth >= MAX_DEPTH ? null
                : new Redacted(original.getCause(), depth + 1), true, true);
        this.type = typeOf(original);
        setStackTrace(original.getStackTrace());
        if (depth < MAX_DEPTH) {
            for (Throwable suppressed : original.getSuppressed()) {
                addSuppressed(new Redacted(suppressed, depth + 1));
            }
        }
    }

    /** The copy of {@code original}; null for null. */
    public static Redacted of(Throwable original) {
        return original == null ? null : original instanceof Redacted r ? r : new Redacted(original, 0);
    }

    /** The class name of the original exception. */
    public String type() {
        return type;
    }

    @Override
    public String toString() {
        return getMessage() == null ? type : type + ": " + getMessage();
    }

    /** The exception's class name, the original's for a copy. */
    public static String typeOf(Throwable t) {
        return t instanceof Redacted r ? r.type : t.getClass().getName();
    }

    /**
     * The message, if botfleet wrote it (else null): an exception of botfleet's own classes, whose
     * messages are made to name things, not to quote values; or a Java exception thrown by botfleet's
     * code (its first frame is botfleet's) that does not merely repeat its cause's text, as
     * {@code new IllegalStateException(cause)} does.
     */
    public static String safeMessage(Throwable t) {
        if (t instanceof Redacted || t.getClass().getName().startsWith("io.botfleet.")) {
            return t.getMessage();
        }
        StackTraceElement[] frames = t.getStackTrace();
        if (frames.length == 0 || !frames[0].getClassName().startsWith("io.botfleet.")) {
            return null;
        }
        Throwable cause = t.getCause();
        if (cause != null && Objects.equals(t.getMessage(), cause.toString())) {
            return safeMessage(cause) == null ? null : t.getMessage();
        }
        return t.getMessage();
    }
}
