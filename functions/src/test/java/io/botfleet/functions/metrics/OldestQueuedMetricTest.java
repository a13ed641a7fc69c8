package io.botfleet.functions.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.LogLines;
import io.botfleet.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The queue's metric line: at every drain in Lambda (CloudWatch needs each data point); in the
 * local runner when its value changes, and an unchanged value again only after a minute.
 */
class OldestQueuedMetricTest {
    private static final Duration TICK = Duration.ofSeconds(10); // the local runner's drain interval

    @Test
    void theLocalRunnersMetricIsWrittenWhenItChangesOrAfterAMinute() throws Exception {
        MutableClock clock = new MutableClock();
        OldestQueuedMetric metric = OldestQueuedMetric.whenChanged(Duration.ofMinutes(1), clock);
        List<JsonNode> lines = LogLines.of(() -> {
            for (long value : new long[] {0, 0, 0, 0, 0, 0, 0, 12, 22, 0, 0}) { // idle for a minute, a bot waits 22 s
                metric.report(value, 1);
                clock.advance(TICK);
            }
        });
        // ticks at 0, 10, ... 100 s: 0 at 0 s, the same 0 a minute later (60 s), 12 and 22 as they came, then 0
        assertThat(lines).extracting(l -> l.path("OldestQueuedBotAgeSeconds").asLong()).containsExactly(0L, 0L, 12L, 22L, 0L);
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asString()).isEqualTo("OldestQueuedBotAgeSeconds");
            assertThat(l.at("/_aws/CloudWatchMetrics/0/Dimensions").toString()).as("by nothing, and by service")
                    .isEqualTo("[[],[\"service\"]]");
            assertThat(l.path("service").asString()).isEqualTo("botfleet");
        });
    }

    @Test
    void inLambdaEveryDrainWritesIt() throws Exception {
        OldestQueuedMetric metric = OldestQueuedMetric.everyDrain();
        List<JsonNode> lines = LogLines.of(() -> {
            for (int i = 0; i < 3; i++) {
                metric.report(0, 0);
            }
        });
        assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l.path("OldestQueuedBotAgeSeconds").asLong()).isZero());
    }
}
