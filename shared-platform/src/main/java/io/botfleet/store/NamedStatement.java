package io.botfleet.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** A statement with {@code :name} parameters rewritten to JDBC's positional {@code ?}. */
record NamedStatement(String jdbcText, List<String> parameterNames) {
    private static final ConcurrentHashMap<String, NamedStatement> CACHE = new ConcurrentHashMap<>();

    static NamedStatement parse(String text) {
        return CACHE.computeIfAbsent(text, t -> {
            List<String> names = new ArrayList<>();
            return new NamedStatement(replaceParameters(t, name -> {
                names.add(name);
                return "?";
            }), List.copyOf(names));
        });
    }

    /**
     * The statement with each reference to the named parameters wrapped in a cast to {@code type}
     * ({@code :now} becomes {@code CAST(:now AS timestamptz)}); the rest is left as it is.
     */
    static String cast(String text, Set<String> names, String type) {
        if (names.isEmpty()) {
            return text;
        }
        return replaceParameters(text, name -> names.contains(name) ? "CAST(:" + name + " AS " + type + ")" : ":" + name);
    }

    /** Replaces each {@code :name} that is code (not a {@code ::} cast, a literal or a comment). */
    private static String replaceParameters(String text, Function<String, String> replacement) {
        String code = SqlText.code(text);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = code.charAt(i);
            if (c == ':' && i + 1 < text.length() && code.charAt(i + 1) == ':') {
                out.append("::"); // a cast, not a parameter
                i++;
            } else if (c == ':' && i + 1 < text.length() && Character.isJavaIdentifierStart(code.charAt(i + 1))) {
                int end = i + 1;
                while (end < text.length() && Character.isJavaIdentifierPart(code.charAt(end))) {
                    end++;
                }
                out.append(replacement.apply(text.substring(i + 1, end)));
                i = end - 1;
            } else {
                out.append(text.charAt(i));
            }
        }
        return out.toString();
    }
}
