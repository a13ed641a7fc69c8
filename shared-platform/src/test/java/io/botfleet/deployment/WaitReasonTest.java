package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.startThenHang;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every bot that waits says why, decided by the statement that reads its queue entry: one bot in
 * each reason, reached through the real paths (a failed platform call, a deploy whose answer was
 * lost, a start time ahead, full platforms), and shown by the views the HTTP routes answer with.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WaitReasonTest {
    private static final Duration BOT_RUN = Duration.ofMinutes(30); // ESTIMATED_BOT_DURATION's default
    private final Harness h;
    private final Instance api;

    WaitReasonTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 1, 1, Map.of("PLATFORM_CALL_TIMEOUT", "500ms", "HEARTBEAT_TIMEOUT", "1h",
                "DEPLOY_TIMEOUT", "1h"));
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private BotView view(long id) {
        return api.services().deployments().views().view(id).orElseThrow();
    }

    private static BotConfig later(BotConfig c, int priority, Instant startTime) {
        return new BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(), c.automaticLeave(),
                startTime, c.endTime(), c.callbackUrl(), c.tenant(), priority);
    }

    @Test
    void eachWaitingBotSaysWhyItWaits() {
        // both platforms refuse it for sure: it is QUEUED again, its attempt failed. Its priority is
        // worse than the others', so they are not held behind it.
        h.k8s.then(h.k8s.fail(PlatformDeployError.Kind.TRANSIENT));
        h.aws.then(h.aws.fail(PlatformDeployError.Kind.TRANSIENT));
        long failed = api.deploy(Fixtures.withPriority(5)).botId();
        // k8s's answer is lost: the bot is pinned there, holding k8s's one unit
        h.k8s.then(startThenHang(2_000));
        long pinned = api.deploy(Fixtures.config()).botId();
        long running = api.deploy(Fixtures.config()).botId(); // aws's one unit
        long full = api.deploy(Fixtures.config()).botId();
        Instant start = h.clock.instant().plus(Duration.ofHours(1));
        long scheduled = api.deploy(later(Fixtures.config(), 0, start)).botId();

        assertThat(List.of(h.status(failed), h.status(pinned), h.status(running), h.status(full), h.status(scheduled)))
                .containsExactly("QUEUED", "DEPLOYING", "DEPLOYING", "QUEUED", "QUEUED");
        SoftAssertions soft = new SoftAssertions();
        BotView held = view(pinned);
        soft.assertThat(held.queueEntry()).as("a pinned bot's entry").isNotNull();
        if (held.queueEntry() != null) {
            soft.assertThat(held.queueEntry().waitReason()).isEqualTo(WaitReason.DEPLOY_UNCONFIRMED);
        }
        soft.assertThat(held.estimatedWait()).as("it waits for no unit").isNull();
        soft.assertThat(view(running).queueEntry()).as("a deployed bot waits for nothing").isNull();

        BotView waiting = view(full);
        soft.assertThat(waiting.queueEntry().waitReason()).isEqualTo(WaitReason.NO_CAPACITY);
        soft.assertThat(waiting.queueEntry().position()).isEqualTo(1);
        soft.assertThat(waiting.estimatedWait()).as("one wave of the fleet's two units").isEqualTo(BOT_RUN);

        BotView later = view(scheduled);
        soft.assertThat(later.queueEntry().waitReason()).isEqualTo(WaitReason.SCHEDULED);
        Duration untilDue = Duration.between(h.clock.instant(), later.queueEntry().notBefore());
        soft.assertThat(untilDue).as("due at its start less the schedule lead").isEqualTo(Duration.ofMinutes(55));
        soft.assertThat(later.estimatedWait()).isEqualTo(BOT_RUN.plus(untilDue));

        BotView retry = view(failed);
        soft.assertThat(retry.queueEntry().waitReason()).isEqualTo(WaitReason.RETRY_WAIT);
        soft.assertThat(retry.estimatedWait()).as("due at once: waves ahead only").isEqualTo(BOT_RUN.multipliedBy(2));

        soft.assertThat(api.services().deployments().views().waiting(10))
                .extracting(w -> w.entry().botId(), w -> w.entry().waitReason())
                .as("the queue as GET /queue lists it: the pinned bot holds a unit and is not in the line")
                .containsExactly(tuple(full, WaitReason.NO_CAPACITY),
                        tuple(scheduled, WaitReason.SCHEDULED),
                        tuple(failed, WaitReason.RETRY_WAIT));
        soft.assertAll();
    }

    @Test
    void aScheduledBotWaitsForCapacityOnceItsStartComesAndAViewStillTakesTwoStatements() {
        api.deploy(Fixtures.config());
        api.deploy(Fixtures.config()); // both units taken
        // within the schedule guarantee (10 minutes), so it queues without a reservation
        long id = api.deploy(later(Fixtures.config(), 0, h.clock.instant().plus(Duration.ofMinutes(9)))).botId();
        assertThat(view(id).queueEntry().waitReason()).isEqualTo(WaitReason.SCHEDULED);

        h.clock.advance(Duration.ofMinutes(6)); // past its start less the five minutes' lead
        int before = api.sql().statements();
        BotView due = view(id);
        assertThat(api.sql().statements() - before).as("the bot, then its entry with its reason").isEqualTo(2);
        assertThat(due.bot().status()).isEqualTo(BotStatus.QUEUED);
        assertThat(due.queueEntry().waitReason()).isEqualTo(WaitReason.NO_CAPACITY);
        assertThat(due.estimatedWait()).isEqualTo(BOT_RUN);
    }
}
