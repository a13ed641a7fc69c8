package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.await;
import static io.botfleet.testing.FakePlatform.entering;
import static io.botfleet.testing.FakePlatform.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the core does with each outcome of a platform call (issue scenarios A1-A3): only a failure
 * the platform classified as definite frees the unit; a resume frees it only when the platform
 * confirms no container of the bot exists; a drainer that lost its lease changes nothing.
 */
class PlatformOutcomeTest {
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    private static final Map<String, String> FAST = Map.of("PLATFORM_CALL_TIMEOUT", "200ms", "QUEUE_LEASE", "1s");

    /** A1: an unchecked exception after the container started is "outcome unknown", not a definite failure. */
    @Test
    void anUncheckedExceptionAfterTheContainerStartedPinsTheBotToThatPlatform() {
        h = new Harness(1, 1);
        Instance api = h.instance();
        h.k8s.then(FakePlatform.startThenThrow(new UncheckedIOException(new SocketTimeoutException("Read timed out"))));
        DeployOutcome outcome = api.deploy(Fixtures.config());
        long id = outcome.botId();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(outcome.platform()).as("pinned to the platform that may run it").isEqualTo("k8s");
            soft.assertThat(h.aws.starts()).as("not started on a second platform").doesNotContainKey(id);
            soft.assertThat(h.used("k8s")).as("k8s unit stays claimed").isEqualTo(1);
        });
        h.clock.advance(Duration.ofMinutes(1)); // past the call's window
        api.drain();
        assertThat(api.services().bots().find(id).platformIdentifier()).as("adopted on resume").isEqualTo("k8s-" + id);
        assertThat(h.fleet.starts()).containsEntry(id, 1);
        assertThat(h.fleet.breaches()).isEmpty();
    }

    /** A2: the resume answers CAPACITY because the bot's own container holds the last slot. */
    @Test
    void aResumeThatIsRefusedFindsTheContainerByNameInsteadOfPlacingTheBotElsewhere() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, FAST);
        Instance api = h.instance();
        h.k8s.then(FakePlatform.startThenHang(1_000), h.k8s.fail(Kind.CAPACITY));
        long id = api.deploy(Fixtures.config()).botId();
        Harness.until(() -> h.k8s.live().contains(id)); // started, although the call timed out

        h.clock.advance(Duration.ofMinutes(1));
        api.drain();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.aws.starts()).as("started on a second platform").doesNotContainKey(id);
            soft.assertThat(api.services().bots().find(id).platformIdentifier()).as("adopted").isEqualTo("k8s-" + id);
            soft.assertThat(h.used("k8s")).isEqualTo(1);
            soft.assertThat(h.fleet.breaches()).isEmpty();
        });
    }

    /** A2, second half: a resume that frees the unit gives the entry's lease back at once. */
    @Test
    void aResumeThatConfirmsNothingRunsRequeuesTheBotAndGivesItsLeaseBack() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, FAST);
        Instance api = h.instance();
        h.k8s.then(h.k8s.fail(Kind.TRANSIENT));
        long occupant = api.deploy(Fixtures.config()).botId(); // aws is full
        assertThat(h.aws.live()).containsExactly(occupant);
        h.k8s.then(h.k8s.hang(1_000)); // times out, starts nothing
        long id = api.deploy(Fixtures.config()).botId();
        h.k8s.failing(Kind.CAPACITY);

        h.clock.advance(Duration.ofMinutes(1));
        api.drain();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(id)).isEqualTo("QUEUED");
            soft.assertThat(h.used("k8s")).as("k8s unit given back").isZero();
            soft.assertThat(h.db.text("SELECT status AS s FROM deployment_queue WHERE bot_id = " + id))
                    .as("entry waits again, not leased").isEqualTo("WAITING");
            soft.assertThat(api.services().queue().list(10)).extracting(QueueEntry::botId).containsExactly(id);
        });
    }

    /** A3: a drainer whose lease ran out during its call must not revert or re-place what another now holds. */
    @Test
    void aDrainerThatLostItsLeaseDoesNotRevertOrPlaceTheBotAnotherDrainerIsDeploying() throws Exception {
        h = new Harness(2, 1);
        Instance first = h.instance();
        Instance second = h.instance();
        h.k8s.then(h.k8s.fail(Kind.TRANSIENT));
        h.aws.then(h.aws.fail(Kind.TRANSIENT));
        long id = first.deploy(Fixtures.config()).botId();
        assertThat(h.status(id)).isEqualTo("QUEUED");

        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        h.k8s.then(entering(firstEntered, await(releaseFirst, h.k8s.fail(Kind.TRANSIENT))));
        var firstDrain = h.async(() -> first.services().hybrid().processQueue("first", Duration.ofSeconds(10)));
        firstEntered.await();

        h.clock.advance(Duration.ofMinutes(1)); // the first drainer's lease, and its call's window, ran out mid-call
        CountDownLatch secondEntered = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        h.k8s.then(entering(secondEntered, await(releaseSecond, ok())));
        var secondDrain = h.async(() -> second.services().hybrid().processQueue("second", Duration.ofSeconds(10)));
        secondEntered.await();

        releaseFirst.countDown(); // the first drainer's definite failure arrives late
        firstDrain.join();
        releaseSecond.countDown();
        secondDrain.join();

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.fleet.breaches()).as("breaches").isEmpty();
            soft.assertThat(h.aws.starts()).as("placed elsewhere by the late drainer").doesNotContainKey(id);
            soft.assertThat(first.services().bots().find(id).platformIdentifier()).isEqualTo("k8s-" + id);
            soft.assertThat(h.used("k8s")).isEqualTo(1);
            soft.assertThat(h.used("aws")).isZero();
            soft.assertThat(first.services().bots().find(id).status()).isEqualTo(BotStatus.DEPLOYING);
        });
    }
}
