package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The launch lead follows the platforms' measured start-up: the slowest platform's p95 plus the
 * margin once that is above SCHEDULE_LEAD, and SCHEDULE_LEAD until then.
 */
class StartupTimesTest {
    private final Harness h = new Harness(TestDatabase.Adapter.JDBC, 3, 3,
            Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
    private final Instance api = h.instance();

    @AfterEach
    void close() {
        h.close();
    }

    private Duration leadOf(long scheduledBot, Instant start) {
        return Duration.between(api.services().queue().find(scheduledBot).notBefore(), start);
    }

    @Test
    void aSlowPlatformsP95PlusTheMarginBecomesTheLeadAboveTheFloor() {
        Instant early = h.clock.instant().plus(Duration.ofMinutes(20));
        assertThat(leadOf(api.deploy(Fixtures.config(early)).botId(), early))
                .as("nothing measured yet: the floor").isEqualTo(Duration.ofMinutes(5));

        h.clock.advance(Duration.ofMinutes(2)); // the lead is read at most once a minute
        for (int i = 0; i < 3; i++) {
            long id = api.deploy(Fixtures.config()).botId();
            h.clock.advance(Duration.ofMinutes(6)); // six minutes from its deploy to its call
            api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.JOINING_CALL, null);
        }
        Instant start = h.clock.instant().plus(Duration.ofMinutes(20));
        assertThat(leadOf(api.deploy(Fixtures.config(start)).botId(), start)).as("p95 of 6 min, plus 30 s")
                .isEqualTo(Duration.ofMinutes(6).plusSeconds(30));
    }
}
