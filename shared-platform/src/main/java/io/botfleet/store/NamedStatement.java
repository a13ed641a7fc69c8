package io.botfleet.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** A statement with {@code :name} parameters rewritten to JDBC's positional {@code ?}. */
record NamedStatement(String jdbcText, List<String> parameterNames) {
    private static final ConcurrentHashMap<String, NamedStatement> CACHE = new ConcurrentHashMap<>();

    static NamedStatement parse(String text) {
        return CACHE.computeIfAbsent(text, NamedStatement::rewrite);
    }

    private static NamedStatement rewrite(String text) {
        StringBuilder out = new StringBuilder(text.length());
        List<String> names = new ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                inString = !inString;
                out.append(c);
            } else if (!inString && c == ':' && i + 1 < text.length() && text.charAt(i + 1) == ':') {
                out.append("::"); // a cast, not a parameter
                i++;
            } else if (!inString && c == ':' && i + 1 < text.length() && Character.isJavaIdentifierStart(text.charAt(i + 1))) {
                int end = i + 1;
                while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) {
                    end++;
                }
                names.add(text.substring(i + 1, end));
                out.append('?');
                i = end - 1;
            } else {
                out.append(c);
            }
        }
        return new NamedStatement(out.toString(), List.copyOf(names));
    }
}
