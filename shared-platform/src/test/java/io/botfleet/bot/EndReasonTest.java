package io.botfleet.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The failure-reason list an operator reads (docs/failure-reasons.md) is the code's, row for row. */
class EndReasonTest {
    private static final Path DOC = Path.of("..", "docs", "failure-reasons.md");

    @Test
    void theDocumentListsEveryReasonWithItsStatusMeaningAndActionAndNoOther() throws Exception {
        StringBuilder documented = new StringBuilder();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\| (DONE|FATAL) \\| (.*) \\| (.*) \\|$").matcher(Files.readString(DOC));
        while (row.find()) {
            documented.append(row.group(1)).append('|').append(row.group(2)).append('|').append(row.group(3))
                    .append('|').append(row.group(4)).append('\n');
        }
        StringBuilder coded = new StringBuilder();
        Arrays.stream(EndReason.values()).forEach(r -> coded.append(r.name()).append('|').append(r.status()).append('|')
                .append(r.meaning()).append('|').append(r.action()).append('\n'));
        assertThat(documented.toString()).isEqualTo(coded.toString());
    }

    /**
     * Reason codes written by the code that are not a bot's end: the error a re-queued bot waits
     * with, and why a platform is owed a release.
     */
    private static final Set<String> NOT_ENDS = Set.of("CAPACITY_RECLAIMED", "ORPHANED");

    /**
     * No path ends a bot with a reason the list does not have: every reason code the main sources
     * write (a {@code "CODE: "} prefix, a code set as {@code status_reason} or named as a reason in
     * SQL, a code on a line about a reason) is in the list, or one of the few that end nothing.
     */
    @Test
    void everyReasonCodeTheSourcesWriteIsDocumented() throws Exception {
        Pattern prefix = Pattern.compile("\"([A-Z][A-Z_]{3,}): \"");
        Pattern sqlReason = Pattern.compile("(?:status_reason\\s*=\\s*(?:COALESCE\\([^,]*,\\s*)?|THEN\\s+|ELSE\\s+)'([A-Z][A-Z_]{3,})(?::\\s)?'"
                + "|'([A-Z][A-Z_]{3,})(?::\\s)?'\\s*(?:\\|\\||AS reason)");
        Pattern onAReasonLine = Pattern.compile("\"([A-Z][A-Z_]{3,})\"(?!\\.equals)"); // not a comparison with a word read
        Pattern constant = Pattern.compile("static final String [A-Z_]+ = \"([A-Z][A-Z_]{3,})\";"); // a code named once
        Set<String> written = new TreeSet<>();
        List<Path> sources;
        try (Stream<Path> walk = Files.walk(Path.of("src", "main", "java"))) {
            sources = walk.filter(f -> f.toString().endsWith(".java") && !f.endsWith("EndReason.java")).toList();
        }
        for (Path source : sources) {
            for (String line : Files.readAllLines(source)) {
                prefix.matcher(line).results().forEach(m -> written.add(m.group(1)));
                constant.matcher(line).results().forEach(m -> written.add(m.group(1)));
                if (line.contains("status_reason") || line.contains("reason")) {
                    sqlReason.matcher(line).results().forEach(m -> written.add(m.group(1) != null ? m.group(1) : m.group(2)));
                }
                if (line.toLowerCase(java.util.Locale.ROOT).contains("reason") && !line.contains("Log.")) {
                    onAReasonLine.matcher(line).results().map(m -> m.group(1))
                            .filter(code -> !code.equals(code.toLowerCase(java.util.Locale.ROOT))).forEach(written::add);
                }
            }
        }
        Arrays.stream(BotStatus.values()).map(Enum::name).forEach(written::remove);
        Arrays.stream(io.botfleet.deployment.WaitReason.values()).map(Enum::name).forEach(written::remove); // why bots wait
        written.removeAll(NOT_ENDS);
        assertThat(written).as("reason codes in the sources").isNotEmpty()
                .allSatisfy(code -> assertThat(EndReason.of(code)).as(code + " is not in docs/failure-reasons.md").isPresent());
        assertThat(written).as("the list's reasons the sources write").contains("QUEUE_TIMEOUT", "DEPLOY_FAILED",
                "CONTAINER_FAILED", "CONTAINER_STOPPED", "COOLIFY_DEPLOY_FAILED", "HEARTBEAT_TIMEOUT", "DEPLOY_TIMEOUT",
                "STOPPED", "PLATFORM_DRAINED");
    }

    @Test
    void aReasonIsNamedByItsCodeAnythingElseIsTheBots() {
        assertThat(EndReason.metricName("CONTAINER_FAILED: exit code 1")).isEqualTo("CONTAINER_FAILED");
        assertThat(EndReason.metricName("QUEUE_TIMEOUT")).isEqualTo("QUEUE_TIMEOUT");
        assertThat(EndReason.metricName(null)).isEqualTo("NONE");
        assertThat(EndReason.metricName("meeting ended: host left")).isEqualTo("BOT_REPORTED");
        assertThat(EndReason.of("STOPPED_EARLY")).isEmpty();
    }
}
