package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs' client generator commands (README.md and docs/), run from the repository's root, write only where
 * {@code .gitignore} ignores: its output folder ({@code -o}) and the configuration file the
 * openapi-generator-cli wrapper writes ({@code --openapitools}, else {@code openapitools.json} in
 * the working directory). So generating a client never leaves files for a commit to pick up.
 */
class ClientGeneratorCommandTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern COMMAND = Pattern.compile("`([^`]*openapi-generator-cli[^`]*\\sgenerate\\s[^`]*)`");

    @Test
    void theDocsGeneratorCommandsWriteOnlyWhereGitIgnores() throws IOException {
        List<String> ignored = Files.readAllLines(ROOT.resolve(".gitignore"));
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> pages = Files.walk(ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<List<String>> commands = new ArrayList<>();
        for (Path doc : docs) {
            Matcher m = COMMAND.matcher(Files.readString(doc));
            while (m.find()) {
                commands.add(Arrays.asList(m.group(1).strip().split("\\s+")));
            }
        }
        assertThat(commands).as("the docs' openapi-generator-cli generate commands").isNotEmpty();

        for (List<String> command : commands) {
            String output = after(command, "-o", after(command, "--output", null));
            assertThat(output).as("the output folder of " + command).isNotNull();
            assertThat(ignores(ignored, output + "/pom.xml")).as(output + " is ignored, for " + command).isTrue();
            String config = after(command, "--openapitools", "openapitools.json");
            assertThat(ignores(ignored, config)).as(config + " is ignored, for " + command).isTrue();
        }
    }

    @Test
    void theIgnoreRulesAreReadAsGitReadsThem() {
        List<String> rules = List.of("# built", "target/", "*.log", "/only-here/", "!kept.log");
        assertThat(ignores(rules, "target/botfleet-client/pom.xml")).isTrue();
        assertThat(ignores(rules, "functions/target/classes/A.class")).isTrue();
        assertThat(ignores(rules, "build.log")).isTrue();
        assertThat(ignores(rules, "kept.log")).isFalse();
        assertThat(ignores(rules, "only-here/a")).isTrue();
        assertThat(ignores(rules, "sub/only-here/a")).isFalse();
        assertThat(ignores(rules, "botfleet-client/pom.xml")).isFalse();
        assertThat(ignores(rules, "openapitools.json")).isFalse();
        assertThat(ignores(rules, "target")).as("a file named target: the rule names folders").isFalse();
    }

    private static String after(List<String> command, String option, String fallback) {
        int i = command.indexOf(option);
        return i >= 0 && i + 1 < command.size() ? command.get(i + 1) : fallback;
    }

    /**
     * Whether {@code .gitignore}'s rules ignore this file (relative to the root), as git reads
     * them: a later rule wins, {@code !} keeps, a trailing {@code /} matches folders only, a rule
     * with another {@code /} is anchored at the root, one without matches a name at any depth, and
     * a folder's rule covers all it holds.
     */
    static boolean ignores(List<String> rules, String file) {
        String[] parts = Path.of(file).normalize().toString().split("/");
        boolean ignored = false;
        for (String line : rules) {
            String rule = line.strip();
            if (rule.isEmpty() || rule.startsWith("#")) {
                continue;
            }
            boolean keep = rule.startsWith("!");
            rule = keep ? rule.substring(1) : rule;
            boolean foldersOnly = rule.endsWith("/");
            rule = foldersOnly ? rule.substring(0, rule.length() - 1) : rule;
            boolean anchored = rule.contains("/");
            Pattern pattern = Pattern.compile(glob(rule.startsWith("/") ? rule.substring(1) : rule));
            for (int end = 1; end <= parts.length; end++) {
                boolean folder = end < parts.length;
                String candidate = anchored ? String.join("/", Arrays.copyOfRange(parts, 0, end)) : parts[end - 1];
                if ((folder || !foldersOnly) && pattern.matcher(candidate).matches()) {
                    ignored = !keep;
                    break;
                }
            }
        }
        return ignored;
    }

    private static String glob(String rule) {
        StringBuilder regex = new StringBuilder();
        for (char c : rule.toCharArray()) {
            regex.append(c == '*' ? "[^/]*" : c == '?' ? "[^/]" : Pattern.quote(String.valueOf(c)));
        }
        return regex.toString();
    }
}
