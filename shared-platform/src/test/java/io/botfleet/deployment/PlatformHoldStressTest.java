package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thousand deploys after k8s (limit 10, five bots running on it) is held: four instances deploy
 * at once while two others drain and bots on aws (limit 10) end as they go; not one bot starts on
 * k8s, no platform runs above its limit, and every bot that could run on aws did.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class PlatformHoldStressTest {
    private static final int DEPLOYS = 1000;

    private final Harness h;

    PlatformHoldStressTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 10, 10, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h",
                "GLOBAL_QUEUE_TIMEOUT", "1h"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void aThousandDeploysAfterAHoldPlaceNothingOnTheHeldPlatformAndExceedNoLimit() {
        Instance api = h.instance();
        for (int i = 0; i < 5; i++) {
            api.deploy(Fixtures.config());
        }
        assertThat(h.k8s.starts()).hasSize(5);
        api.services().platformHolds().hold("k8s");

        List<Instance> deployers = List.of(h.instance(), h.instance(), h.instance(), h.instance());
        List<Instance> drainers = List.of(h.instance(), h.instance());
        AtomicBoolean deploying = new AtomicBoolean(true);
        List<CompletableFuture<Void>> work = new ArrayList<>();
        for (Instance drainer : drainers) {
            work.add(h.async(() -> {
                Random random = new Random(drainer.hashCode());
                while (deploying.get()) {
                    List<Long> onAws = h.aws.live();
                    if (!onAws.isEmpty()) { // a bot's call ends, and a unit comes free
                        h.finish(drainer, onAws.get(random.nextInt(onAws.size())));
                    }
                    drainer.drain();
                }
                return null;
            }));
        }
        List<CompletableFuture<Void>> deploys = new ArrayList<>();
        for (int d = 0; d < deployers.size(); d++) {
            Instance deployer = deployers.get(d);
            deploys.add(h.async(() -> {
                for (int i = 0; i < DEPLOYS / 4; i++) {
                    deployer.deploy(Fixtures.config());
                }
                return null;
            }));
        }
        deploys.forEach(CompletableFuture::join);
        deploying.set(false);
        work.forEach(CompletableFuture::join);

        assertThat(h.k8s.starts()).as("no bot started on the held platform").hasSize(5);
        assertThat(h.fleet.breaches()).isEmpty();
        assertThat(h.used("k8s")).isEqualTo(5);
        assertThat(h.used("aws")).isLessThanOrEqualTo(10);
        assertThat(h.aws.starts().size()).as("aws took bots all along").isGreaterThan(50);
        assertThat(h.n("SELECT count(*) AS n FROM bots")).isEqualTo(DEPLOYS + 5);
    }
}
