package io.botfleet.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void aReasonIsNamedByItsCodeAnythingElseIsTheBots() {
        assertThat(EndReason.metricName("CONTAINER_FAILED: exit code 1")).isEqualTo("CONTAINER_FAILED");
        assertThat(EndReason.metricName("QUEUE_TIMEOUT")).isEqualTo("QUEUE_TIMEOUT");
        assertThat(EndReason.metricName(null)).isEqualTo("NONE");
        assertThat(EndReason.metricName("meeting ended: host left")).isEqualTo("BOT_REPORTED");
        assertThat(EndReason.of("STOPPED_EARLY")).isEmpty();
    }
}
