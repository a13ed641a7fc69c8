package io.botfleet.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Which characters of SQL text are code, as opposed to string literals, quoted identifiers,
 * dollar-quoted bodies and comments: a {@code ;} or a {@code :name} inside those means nothing.
 * One reading for the three places that need it: parameters, one statement per call, and
 * splitting migration scripts.
 */
final class SqlText {
    private SqlText() {
    }

    /**
     * The text with everything that is not code blanked out: comments become spaces, quoted text
     * and bodies become {@code _}. Same length and same line breaks, so positions carry over.
     */
    static String code(String sql) {
        char[] out = sql.toCharArray();
        int i = 0;
        while (i < sql.length()) {
            int end = endOfNonCode(sql, i);
            if (end == i) {
                i++;
                continue;
            }
            char fill = sql.charAt(i) == '-' || sql.charAt(i) == '/' ? ' ' : '_';
            for (int j = i; j < end; j++) {
                if (out[j] != '\n') {
                    out[j] = fill;
                }
            }
            i = end;
        }
        return new String(out);
    }

    /** The statements of a script, split at each {@code ;} that is code; blank ones and comments dropped. */
    static List<String> statements(String script) {
        String code = code(script);
        List<String> statements = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= script.length(); i++) {
            if (i == script.length() || code.charAt(i) == ';') {
                if (!code.substring(start, i).isBlank()) {
                    statements.add(stripComments(script.substring(start, i), code.substring(start, i)));
                }
                start = i + 1;
            }
        }
        return statements;
    }

    /** Whether the statement is DDL (CREATE, ALTER, DROP, COMMENT, GRANT, REVOKE or TRUNCATE). */
    static boolean isDdl(String statement) {
        String first = code(statement).strip().split("[\\s(]", 2)[0].toUpperCase(java.util.Locale.ROOT);
        return java.util.Set.of("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "TRUNCATE").contains(first);
    }

    /** Where the quoted text or comment starting at {@code i} ends, or {@code i} when code starts there. */
    private static int endOfNonCode(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '\'' || c == '"') {
            int j = i + 1;
            while (j < sql.length()) {
                if (sql.charAt(j) == c) {
                    if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {
                        j += 2; // a doubled quote stands for itself
                        continue;
                    }
                    return j + 1;
                }
                j++;
            }
            return sql.length();
        }
        if (sql.startsWith("--", i)) {
            int eol = sql.indexOf('\n', i);
            return eol < 0 ? sql.length() : eol;
        }
        if (sql.startsWith("/*", i)) {
            int depth = 0;
            int j = i;
            while (j < sql.length()) {
                if (sql.startsWith("/*", j)) {
                    depth++;
                    j += 2;
                } else if (sql.startsWith("*/", j)) {
                    j += 2;
                    if (--depth == 0) {
                        return j;
                    }
                } else {
                    j++;
                }
            }
            return sql.length();
        }
        if (c == '$' && (i == 0 || !Character.isJavaIdentifierPart(sql.charAt(i - 1)))) {
            int close = sql.indexOf('$', i + 1);
            if (close > 0 && sql.substring(i + 1, close).chars().allMatch(Character::isJavaIdentifierPart)) {
                String tag = sql.substring(i, close + 1);
                int end = sql.indexOf(tag, close + 1);
                return end < 0 ? sql.length() : end + tag.length();
            }
        }
        return i;
    }

    /** A statement without its comment lines and trailing comments, for a cleaner log and a smaller call. */
    private static String stripComments(String statement, String code) {
        StringBuilder out = new StringBuilder();
        String[] lines = statement.split("\n", -1);
        String[] codeLines = code.split("\n", -1);
        for (int l = 0; l < lines.length; l++) {
            if (codeLines[l].isBlank() && !lines[l].isBlank()) {
                continue; // a comment line
            }
            out.append(lines[l], 0, codeLines[l].stripTrailing().length()).append('\n'); // without a trailing comment
        }
        return out.toString().strip();
    }
}
