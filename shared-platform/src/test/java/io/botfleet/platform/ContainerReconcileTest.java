package io.botfleet.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scheduled reconcile with what a platform runs: a container that died without calling back
 * ends its bot within one tick (not at HEARTBEAT_TIMEOUT) and frees its unit; a container whose
 * bot ended, or that no bot owns, is stopped; a list that fails, or a status the platform cannot
 * read, changes nothing. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class ContainerReconcileTest {
    private final Harness h;
    private final Instance api;

    ContainerReconcileTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 2, 2, Map.of("PLATFORM_PRIORITY", "k8s"));
        h.k8s.listing();
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void report(long botId, BotStatus status) {
        api.services().deployments().report(botId, h.tokens.tokenFor(botId), status, null);
    }

    @Test
    void aContainerThatDiedWithoutCallingBackEndsItsBotAtTheNextTick() {
        long silent = api.deploy(Fixtures.config()).botId();
        long finished = api.deploy(Fixtures.config()).botId();
        report(silent, BotStatus.IN_CALL);
        report(finished, BotStatus.CALL_ENDED); // it said its call ended; its container then exits
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.exit(silent);
        h.k8s.exit(finished);
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(silent)).isEqualTo("FATAL");
            soft.assertThat(h.db.text("SELECT status_reason AS s FROM bots WHERE id = " + silent)).startsWith("CONTAINER_STOPPED");
            soft.assertThat(h.status(finished)).isEqualTo("DONE");
            soft.assertThat(h.used("k8s")).as("units freed at once").isZero();
            soft.assertThat(h.announced()).contains("k8s");
        });
    }

    @Test
    void aBotTooYoungToJudgeIsLeftForTheNextTick() {
        long id = api.deploy(Fixtures.config()).botId();
        h.clock.advance(Duration.ofSeconds(10));
        h.k8s.exit(id);
        api.drain();
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        h.clock.advance(Duration.ofMinutes(1));
        api.drain();
        assertThat(h.status(id)).isEqualTo("FATAL");
    }

    @Test
    void aContainerWhoseBotEndedOrThatNoBotOwnsIsStopped() {
        long id = api.deploy(Fixtures.config()).botId();
        report(id, BotStatus.DONE); // it said DONE, and its container hangs on
        h.k8s.leftover(4242);
        assertThat(h.k8s.live()).containsExactlyInAnyOrder(id, 4242L);
        api.drain();
        assertThat(h.k8s.live()).isEmpty();
    }

    /** A Spot interruption before the bot joined: it goes back to the queue, ahead of those who came after it. */
    @Test
    void aBotWhoseCapacityWasReclaimedBeforeItJoinedGoesToTheFrontOfTheQueue() {
        long early = api.deploy(Fixtures.config()).botId();
        long other = api.deploy(Fixtures.config()).botId();
        long waiting = api.deploy(Fixtures.config()).botId(); // no room: it waits
        assertThat(h.status(waiting)).isEqualTo("QUEUED");
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.end(early, PlatformStatus.reclaimed("SpotInterruption"));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(early)).as("placed again, before the bot queued after it").isEqualTo("DEPLOYING");
            soft.assertThat(h.k8s.starts().get(early)).isEqualTo(2);
            soft.assertThat(h.status(other)).isEqualTo("DEPLOYING");
            soft.assertThat(h.status(waiting)).isEqualTo("QUEUED");
            soft.assertThat(h.used("k8s")).isEqualTo(2);
        });
    }

    /** A claim clears the reason the bot waited for; every later event carries its own (or none). */
    @Test
    void aClaimAfterASpotRequeueClearsTheReasonAndEveryLaterEventCarriesItsOwn() {
        long id = api.deploy(Fixtures.config()).botId();
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.end(id, PlatformStatus.reclaimed("SpotInterruption"));
        api.drain(); // re-queued, then placed again
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        report(id, BotStatus.IN_CALL);
        report(id, BotStatus.DONE);
        String events = "SELECT string_agg(status || '=' || COALESCE(reason, '-'), ' ' ORDER BY id) AS s FROM bot_events WHERE bot_id = " + id;
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.db.text(events)).isEqualTo(
                    "QUEUED=- DEPLOYING=- QUEUED=CAPACITY_RECLAIMED: SpotInterruption DEPLOYING=- IN_CALL=- DONE=-");
            soft.assertThat(h.db.text("SELECT COALESCE(status_reason, '-') AS s FROM bots WHERE id = " + id)).isEqualTo("-");
        });
    }

    @Test
    void aBotThatHadJoinedItsCallWhenItsCapacityWasReclaimedEndsWithTheReason() {
        long joined = api.deploy(Fixtures.config()).botId();
        report(joined, BotStatus.IN_CALL);
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.end(joined, PlatformStatus.reclaimed("SpotInterruption: Your Spot Task was interrupted."));
        api.drain();
        assertThat(h.status(joined)).isEqualTo("FATAL");
        assertThat(h.db.text("SELECT status_reason AS s FROM bots WHERE id = " + joined)).contains("Spot Task was interrupted");
        assertThat(h.used("k8s")).isZero();
    }

    @Test
    void aListThatFailsChangesNothing() {
        long id = api.deploy(Fixtures.config()).botId();
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.exit(id);
        h.k8s.leftover(4242);
        h.k8s.failLists(1);
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(id)).isEqualTo("DEPLOYING");
            soft.assertThat(h.used("k8s")).isEqualTo(1);
            soft.assertThat(h.k8s.live()).containsExactly(4242L);
        });
        api.drain();
        assertThat(h.status(id)).as("the next complete list decides").isEqualTo("FATAL");
    }

    @Test
    void aStatusThePlatformCannotReadChangesNothing() {
        long id = api.deploy(Fixtures.config()).botId();
        h.clock.advance(Duration.ofMinutes(1));
        h.k8s.exit(id);
        h.k8s.statusUnknown(true);
        api.drain();
        assertThat(h.status(id)).isEqualTo("DEPLOYING");
        assertThat(h.used("k8s")).isEqualTo(1);
    }
}
