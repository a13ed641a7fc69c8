package io.botfleet.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A statement with {@code :name} parameters rewritten to JDBC's positional {@code ?}. */
record NamedStatement(String jdbcText, List<String> parameterNames) {
    private static final ConcurrentHashMap<String, NamedStatement> CACHE = new ConcurrentHashMap<>();
    /** A name after INTO or UPDATE, or after FROM or JOIN unless a call ({@code FROM jsonb_each_text(...)}). */
    private static final Pattern TABLE = Pattern.compile("\\b(?:INTO|UPDATE)\\s+([A-Za-z_][A-Za-z0-9_.]*)"
            + "|\\b(?:FROM|JOIN)\\s+([A-Za-z_][A-Za-z0-9_.]*)\\b(?!\\s*\\()", Pattern.CASE_INSENSITIVE);
    /** A common table expression's name: {@code ahead AS (}, {@code lease AS MATERIALIZED (}. */
    private static final Pattern WITH_QUERY = Pattern.compile(
            "\\b([A-Za-z_][A-Za-z0-9_]*)\\s+AS\\s+(?:NOT\\s+)?(?:MATERIALIZED\\s+)?\\(", Pattern.CASE_INSENSITIVE);
    /** Words after FROM, INTO or UPDATE that are no table: {@code DO UPDATE SET}, {@code FOR UPDATE SKIP LOCKED}. */
    private static final Set<String> NOT_TABLES = Set.of("SET", "SKIP", "NOWAIT", "OF", "LATERAL", "ONLY");

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
     * The name a statement is logged by: its first word, the tables it names (not its common table
     * expressions) and a digest of its text, such as {@code UPDATE bots,deployment_queue #1f2e3d4c}.
     * It is made of the statement's code only (quoted text and comments are not read), so it cannot
     * carry a value even if one were written into the text; the digest tells apart statements on the
     * same tables.
     */
    static String nameOf(String text) {
        if (text == null) {
            return "(none)";
        }
        String code = SqlText.code(text).strip();
        String verb = code.split("[\\s(]", 2)[0].toUpperCase(Locale.ROOT);
        Set<String> tables = new LinkedHashSet<>();
        Matcher table = TABLE.matcher(code);
        while (table.find()) {
            String name = table.group(1) != null ? table.group(1) : table.group(2);
            if (!NOT_TABLES.contains(name.toUpperCase(Locale.ROOT))) {
                tables.add(name);
            }
        }
        WITH_QUERY.matcher(code).results().forEach(with -> tables.remove(with.group(1)));
        return (verb.matches("[A-Z]+") ? verb : "?") + (tables.isEmpty() ? "" : " " + String.join(",", tables))
                + " #" + digest(text);
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
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
