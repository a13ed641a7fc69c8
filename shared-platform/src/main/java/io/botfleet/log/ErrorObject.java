package io.botfleet.log;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code error} of a log line, in the shape of Powertools for AWS Lambda: {@code type} (the
 * exception's class), {@code message} and {@code stack}. The stack is its frames ({@code at}
 * lines) and its causes and suppressed exceptions, each named by class and, like the message
 * itself, with its message only if botfleet wrote it ({@link Redacted#safeMessage}); a library's
 * message reads {@value #WITHHELD}.
 */
public final class ErrorObject {
    static final String WITHHELD = "(withheld)";

    private ErrorObject() {
    }

    public static ObjectNode of(Throwable error) {
        String message = Redacted.safeMessage(error);
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", Redacted.typeOf(error));
        node.put("message", message == null ? WITHHELD : message);
        StringBuilder stack = new StringBuilder();
        append(stack, error, new StackTraceElement[0], null, "", Collections.newSetFromMap(new IdentityHashMap<>()));
        node.put("stack", stack.toString().stripTrailing());
        return node;
    }

    /** As {@link Throwable#printStackTrace()} writes it, frames shared with the enclosing trace as "... n more". */
    private static void append(StringBuilder out, Throwable t, StackTraceElement[] enclosing, String caption,
                               String indent, Set<Throwable> seen) {
        if (!seen.add(t)) {
            out.append(indent).append(caption).append("[circular reference] ").append(Redacted.typeOf(t)).append('\n');
            return;
        }
        if (caption != null) {
            String message = Redacted.safeMessage(t);
            out.append(indent).append(caption).append(Redacted.typeOf(t)).append(message == null ? "" : ": " + message)
                    .append('\n');
        }
        StackTraceElement[] trace = t.getStackTrace();
        int last = trace.length - 1;
        for (int e = enclosing.length - 1; last >= 0 && e >= 0 && trace[last].equals(enclosing[e]); e--) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            out.append(indent).append("\tat ").append(trace[i]).append('\n');
        }
        if (last < trace.length - 1) {
            out.append(indent).append("\t... ").append(trace.length - 1 - last).append(" more\n");
        }
        for (Throwable suppressed : t.getSuppressed()) {
            append(out, suppressed, trace, "Suppressed: ", indent + "\t", seen);
        }
        if (t.getCause() != null) {
            append(out, t.getCause(), trace, "Caused by: ", indent, seen);
        }
    }
}
