package io.botfleet.testing;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.config.Settings;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Several service instances over one real PostgreSQL, as several Lambda containers would be: each
 * with its own connections and its own {@link HookedSql}, all deploying to the same fake
 * platforms ({@code k8s} then {@code aws}, one {@link FakeFleet}) on one hand-moved clock. Every
 * capacity-released message is recorded.
 */
public final class Harness implements AutoCloseable {
    public final TestDatabase db;
    public final MutableClock clock = new MutableClock();
    public final FakeFleet fleet = new FakeFleet();
    public final FakePlatform k8s;
    public final FakePlatform aws;
    public final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final Settings settings;
    private final List<String> announced = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** k8s then aws with these limits; {@code env} overrides any setting. */
    public Harness(TestDatabase.Adapter adapter, int k8sLimit, int awsLimit, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s,aws",
                "K8S_BOT_LIMIT", Integer.toString(k8sLimit), "AWS_BOT_LIMIT", Integer.toString(awsLimit)));
        all.putAll(env);
        this.settings = Fixtures.settings(all);
        this.db = TestDatabase.fresh(adapter);
        this.k8s = new FakePlatform("k8s", fleet, k8sLimit);
        this.aws = new FakePlatform("aws", fleet, awsLimit);
    }

    public Harness(int k8sLimit, int awsLimit) {
        this(TestDatabase.Adapter.JDBC, k8sLimit, awsLimit, Map.of());
    }

    /** One service instance: its own connections, its own hooks. */
    public record Instance(Services services, HookedSql sql) {
        public DeployOutcome deploy(BotConfig config) {
            return services.deployments().deploy(config, null);
        }

        public DrainReport drain() {
            return services.hybrid().processQueue("drainer-" + java.util.UUID.randomUUID(), Duration.ofSeconds(20));
        }
    }

    public Instance instance() {
        HookedSql sql = new HookedSql(db.sql(4));
        CapacityReleasedPublisher publisher = announced::add;
        List<io.botfleet.platform.PlatformService> named = java.util.stream.Stream.of(k8s, aws)
                .filter(p -> settings.platformPriority().contains(p.platformName()))
                .map(p -> (io.botfleet.platform.PlatformService) p).toList();
        return new Instance(new Services(settings, sql, named, publisher, clock), sql);
    }

    /** The platforms whose capacity-released messages were sent, in order. */
    public List<String> announced() {
        synchronized (announced) {
            return List.copyOf(announced);
        }
    }

    public <T> CompletableFuture<T> async(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, threads);
    }

    /** {@code n} pieces of work started together (each waits for the others to be ready), their answers in order. */
    public <T> List<T> atOnce(int n, java.util.function.IntFunction<T> work) {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<CompletableFuture<T>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            answers.add(async(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return work.apply(k);
            }));
        }
        go.countDown();
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /** The bot's container exits and it reports DONE, as a finished bot does. */
    public void finish(Instance through, long botId) {
        k8s.exit(botId);
        aws.exit(botId);
        through.services().deployments().report(botId, tokens.tokenFor(botId), BotStatus.DONE, null);
    }

    public long n(String query) {
        return db.count(query);
    }

    public long used(String platform) {
        return n("SELECT used AS n FROM platform_capacity WHERE platform = '" + platform + "'");
    }

    public String status(long botId) {
        return db.text("SELECT status AS s FROM bots WHERE id = " + botId);
    }

    public static void until(BooleanSupplier condition) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not reached in 10 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
        db.close();
    }
}
