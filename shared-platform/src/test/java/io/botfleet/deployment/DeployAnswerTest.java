package io.botfleet.deployment;

import static io.botfleet.testing.FakePlatform.slowStart;
import static io.botfleet.testing.FakePlatform.startThenHang;
import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What follows a deploy whose answer came late or never: a bot that called back before its
 * container was recorded is found by its name at the next drain, recorded, and ends at once when
 * its container dies; a stop accepted during the deploy call is carried out as soon as the deploy
 * answers. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class DeployAnswerTest {
    private final Harness h;
    private final Instance api;

    DeployAnswerTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 2, 2, Map.of("PLATFORM_PRIORITY", "k8s", "PLATFORM_CALL_TIMEOUT", "500ms",
                "HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
        h.k8s.listing();
        api = h.instance();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private String identifier(long id) {
        return h.db.text("SELECT platform_identifier AS s FROM bots WHERE id = " + id);
    }

    /** The deploy's answer is lost, the bot calls back IN_CALL before the resume: it is recorded, and its death noticed. */
    @Test
    void aPinnedBotThatCalledBackIsFoundByNameAndEndsWhenItsContainerDies() {
        h.k8s.then(startThenHang(2_000)); // the container starts; the answer comes after the caller gave up
        long id = api.deploy(Fixtures.config()).botId();
        assertThat(identifier(id)).isNull();
        api.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.IN_CALL, null);

        h.clock.advance(Duration.ofMinutes(2)); // past the deploy call's window
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(identifier(id)).as("found by its name and recorded").isEqualTo("k8s-" + id);
            soft.assertThat(h.db.count("SELECT count(*) AS n FROM bots WHERE deployed_at IS NOT NULL AND id = " + id)).isEqualTo(1);
            soft.assertThat(h.status(id)).isEqualTo("IN_CALL");
        });

        h.k8s.exit(id); // its container dies without a word
        h.clock.advance(Duration.ofMinutes(1));
        api.drain();
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(h.status(id)).as("ended at the next drain, not at HEARTBEAT_TIMEOUT").isEqualTo("FATAL");
            soft.assertThat(h.used("k8s")).isZero();
        });
    }

    /** A stop accepted while the deploy call runs reaches the platform within moments of the deploy's answer. */
    @Test
    void aStopDuringTheDeployCallIsCarriedOutAsSoonAsTheDeployAnswers() throws Exception {
        AtomicLong answered = new AtomicLong();
        h.k8s.then((bot, start) -> { // answers within the call's timeout, a moment after the stop
            String container = slowStart(400).deploy(bot, start);
            answered.set(System.nanoTime());
            return container;
        });
        CompletableFuture<DeployOutcome> deploy = h.async(() -> api.deploy(Fixtures.config()));
        Harness.until(() -> h.n("SELECT count(*) AS n FROM bots WHERE status = 'DEPLOYING'") == 1);
        long id = h.n("SELECT max(id) AS n FROM bots");
        var stop = api.services().deployments().stop(id);
        assertThat(stop.status()).as("the deploy call still runs").isEqualTo(BotStatus.LEAVING);
        Harness.until(() -> answered.get() != 0 && !h.k8s.live().contains(id));
        long stoppedAfterMs = (System.nanoTime() - answered.get()) / 1_000_000;
        deploy.join();
        Harness.until(() -> "DONE".equals(h.status(id)));
        System.out.println("the stop reached the platform " + stoppedAfterMs + " ms after the deploy answered");
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(stoppedAfterMs).as("ms from the deploy's answer to the stop").isLessThan(5_000);
            soft.assertThat(h.used("k8s")).isZero();
            soft.assertThat(h.n("SELECT count(*) AS n FROM platform_releases")).as("nothing left owed").isZero();
        });
    }
}
