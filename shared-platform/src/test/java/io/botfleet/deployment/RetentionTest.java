package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.platform.Budget;
import io.botfleet.store.JdbcSql;
import io.botfleet.store.Params;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.HookedSql.When;
import io.botfleet.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Retention: the drain deletes bots that ended more than {@code RETENTION} ago with their events
 * and webhook deliveries, a bounded batch in one statement per drain, and never a bot that is
 * not ended, ended recently, still owes a webhook a retry, or is made ineligible while the
 * drain runs. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class RetentionTest {
    /** Past the default RETENTION (30d). */
    private static final Duration OLD = Duration.ofDays(31);

    private final TestDatabase.Adapter adapter;
    private final MockWebServer receiver = new MockWebServer();
    private Harness h;

    RetentionTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @AfterEach
    void close() {
        receiver.close();
        if (h != null) {
            h.close();
        }
    }

    /** Webhooks to the receiver (loopback); no bot goes silent while the clock moves by weeks. */
    private Instance start() throws Exception {
        receiver.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().code(request.getUrl().encodedPath().equals("/ok") ? 204 : 500).build();
            }
        });
        receiver.start();
        h = new Harness(adapter, 20, 0, Map.of("PLATFORM_PRIORITY", "k8s", "WEBHOOK_ALLOW_LOOPBACK", "true",
                "HEARTBEAT_TIMEOUT", "1000h"));
        return h.instance();
    }

    @Test
    void anEndedBotOlderThanRetentionGoesWithItsRowsWhileLiveRecentAndUndeliveredOnesStay() throws Exception {
        Instance api = start();
        Webhooks webhooks = api.services().webhooks();

        long failedHook = deploy(api, "/fail");
        h.finish(api, failedHook);
        for (int i = 0; i < 40 && pendingOf(failedHook) > 0; i++) { // every attempt, every wait
            h.clock.advance(Duration.ofHours(11));
            webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        }
        long delivered = deploy(api, "/ok");
        h.finish(api, delivered);
        // the failures paused the receiver (one origin): the first of these goes as its probe, resumes it
        for (int i = 0; i < 10 && pendingOf(delivered) > 0; i++) {
            h.clock.advance(Duration.ofMinutes(2));
            webhooks.sendDue(Budget.of(Duration.ofSeconds(30)));
        }
        long fatal = deploy(api, null);
        h.k8s.exit(fatal);
        api.services().deployments().report(fatal, h.tokens.tokenFor(fatal), BotStatus.FATAL, "crashed");
        long undelivered = deploy(api, "/fail");
        h.finish(api, undelivered);
        webhooks.sendDue(Budget.of(Duration.ofSeconds(30))); // its first attempt fails: retried later
        long live = deploy(api, null);
        api.services().deployments().report(live, h.tokens.tokenFor(live), BotStatus.IN_CALL, null);
        h.clock.advance(OLD);
        long recent = deploy(api, null);
        h.finish(api, recent);

        assertThat(states(failedHook)).as("given up after the last retry").containsOnly("FAILED");
        assertThat(states(delivered)).containsOnly("DELIVERED");
        assertThat(states(undelivered)).contains("PENDING");
        long[] gone = {failedHook, delivered, fatal};
        long[] kept = {undelivered, live, recent};
        Map<Long, Long> eventsBefore = events(kept);
        Map<Long, Long> deliveriesBefore = deliveries(kept);
        assertThat(events(gone).values()).as("the old bots have events").allMatch(n -> n > 0);

        api.drain();

        assertThat(h.n("SELECT count(*) AS n FROM bots WHERE id IN (" + list(gone) + ")")).as("old ended bots").isZero();
        assertThat(h.n("SELECT count(*) AS n FROM bot_events WHERE bot_id IN (" + list(gone) + ")")).as("their events").isZero();
        assertThat(h.n("SELECT count(*) AS n FROM webhook_deliveries WHERE bot_id IN (" + list(gone) + ")"))
                .as("their deliveries").isZero();
        assertThat(h.status(undelivered)).as("a webhook still to be retried keeps its bot").isEqualTo("DONE");
        assertThat(h.status(live)).as("a live bot").isEqualTo("IN_CALL");
        assertThat(h.status(recent)).as("a bot ended within RETENTION").isEqualTo("DONE");
        assertThat(events(kept)).as("kept bots keep their events").isEqualTo(eventsBefore);
        assertThat(deliveries(kept)).as("and their deliveries").isEqualTo(deliveriesBefore);
    }

    @Test
    void aDrainDeletesAtMostOneBatchInOneStatement() throws Exception {
        Instance api = start();
        AtomicInteger retentionStatements = new AtomicInteger();
        api.sql().on((statement, params) -> statement.equals(Retention.DELETE_ENDED), When.BEFORE, Integer.MAX_VALUE,
                retentionStatements::incrementAndGet);
        insertEndedBots(Retention.BATCH + 5, "now() - interval '40 days'");

        int before = api.sql().statements();
        api.drain();
        int fullDrain = api.sql().statements() - before;
        assertThat(h.n("SELECT count(*) AS n FROM bots")).as("left after one drain").isEqualTo(5);
        api.drain();
        assertThat(h.n("SELECT count(*) AS n FROM bots")).as("left after two").isZero();
        assertThat(h.n("SELECT count(*) AS n FROM bot_events")).isZero();
        assertThat(h.n("SELECT count(*) AS n FROM webhook_deliveries")).isZero();

        before = api.sql().statements();
        api.drain();
        int idleDrain = api.sql().statements() - before;
        assertThat(retentionStatements.get()).as("retention statements in three drains").isEqualTo(3);
        assertThat(fullDrain).as("a drain that deletes a whole batch makes as many statements as an idle one")
                .isEqualTo(idleDrain);
    }

    /**
     * A late deploy answer for an old ended bot finds its container running: the same statement
     * that locks the bot owes the container a stop, which makes the bot ineligible. While that
     * transaction is open, a drain runs; it must neither wait for it nor delete the bot, and the
     * owed stop must survive. Once the stop is done, a later drain deletes the bot.
     */
    @Test
    void aBotMadeIneligibleWhileTheDrainRunsIsNotDeleted() throws Exception {
        Instance api = start();
        long late = deploy(api, null);
        h.finish(api, late);
        long other = deploy(api, null);
        h.finish(api, other);
        h.clock.advance(OLD);

        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch commit = new CountDownLatch(1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> new JdbcSql(h.db.pool(1)).transaction(tx -> {
            List<BotStore.Recorded> recorded = new BotStore(tx, h.clock).recordDeployments(
                    List.of(new BotStore.Deployment(late, "k8s", "k8s-" + late)));
            assertThat(recorded).extracting(BotStore.Recorded::orphaned).containsExactly(true);
            locked.countDown();
            try {
                commit.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(locked.await(10, TimeUnit.SECONDS)).as("the writer holds the bot").isTrue();
        CompletableFuture<?> drain = h.async(api::drain);
        try {
            drain.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException waiting) {
            // a drain that waits for the writer's lock: let the writer commit, then see what it did
        }
        boolean waited = !drain.isDone();
        commit.countDown();
        writer.get(10, TimeUnit.SECONDS);
        drain.get(10, TimeUnit.SECONDS);

        assertThat(waited).as("the drain waited for the writer").isFalse();
        assertThat(h.status(late)).as("the bot the writer made ineligible").isEqualTo("DONE");
        assertThat(h.n("SELECT count(*) AS n FROM platform_releases WHERE bot_id = " + late + " AND stop_owed"))
                .as("its owed stop").isEqualTo(1);
        assertThat(h.status(other)).as("the drain did delete the other old bot").isNull();
        try (Connection c = h.db.pool(1).getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("DELETE FROM bots WHERE id = " + late))
                    .as("the database refuses to delete a bot owed a stop, whatever a statement read before")
                    .isInstanceOf(SQLException.class).hasMessageContaining("platform_releases_bot_id_fkey");
        }

        api.drain();
        assertThat(h.status(late)).as("a stop still owed keeps the bot").isEqualTo("DONE");

        h.clock.advance(PlatformReleases.GRACE.plusSeconds(1));
        api.drain(); // the owed stop is done
        assertThat(h.n("SELECT count(*) AS n FROM platform_releases WHERE bot_id = " + late)).isZero();
        api.drain();
        assertThat(h.status(late)).as("deleted once nothing is owed").isNull();
    }

    /** The scan reads the oldest ended bots by their index, never the history kept or the live bots. */
    @Test
    void theScanFollowsTheEndedBotsIndex() throws Exception {
        Instance api = start();
        insertEndedBots(10_000, "now() - interval '1 day'");
        insertEndedBots(10, "now() - interval '40 days'");
        try (Connection c = h.db.pool(1).getConnection(); Statement s = c.createStatement()) {
            s.execute("ANALYZE"); // as autovacuum would have, on a table that grew this large
        }
        String plan = api.sql().query("EXPLAIN " + Retention.DELETE_ENDED, Params.of("endedBefore",
                h.clock.instant().minus(Duration.ofDays(30))).and("n", Retention.BATCH)).stream()
                .map(r -> r.getString("QUERY PLAN")).collect(Collectors.joining("\n"));
        assertThat(plan).contains("bots_ended").doesNotContain("Seq Scan on bots");
    }

    /** {@code n} bots that ended at {@code endedAt} (SQL), each with its event and a delivered webhook. */
    private void insertEndedBots(int n, String endedAt) throws Exception {
        try (Connection c = h.db.pool(1).getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status,
                                      callback_url, created_at, ended_at, updated_at)
                    SELECT 'default', 'ended ' || g, '{"platform":"zoom","url":"https://zoom.us/j/1"}', 'zoom', '{}',
                           'DONE', 'https://example.com/hooks', %1$s, %1$s, %1$s
                    FROM generate_series(1, %2$d) g""".formatted(endedAt, n));
            s.execute("UPDATE webhook_deliveries SET state = 'DELIVERED', attempts = 1");
        }
    }

    private long deploy(Instance api, String path) {
        BotConfig c = Fixtures.config();
        String callback = path == null ? null : receiver.url(path).toString();
        return api.services().deployments().deploy(new BotConfig(c.meeting(), c.displayName(), c.imageUrl(),
                c.recordingEnabled(), c.automaticLeave(), c.startTime(), c.endTime(), callback, c.tenant(), c.priority()),
                null).botId();
    }

    private long pendingOf(long botId) {
        return h.n("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'PENDING' AND bot_id = " + botId);
    }

    private List<String> states(long botId) {
        return List.of(h.db.text("SELECT string_agg(state, ',') AS s FROM webhook_deliveries WHERE bot_id = " + botId)
                .split(","));
    }

    private Map<Long, Long> events(long... ids) {
        return countsOf("bot_events", ids);
    }

    private Map<Long, Long> deliveries(long... ids) {
        return countsOf("webhook_deliveries", ids);
    }

    private Map<Long, Long> countsOf(String table, long... ids) {
        return java.util.Arrays.stream(ids).boxed().collect(Collectors.toMap(id -> id,
                id -> h.n("SELECT count(*) AS n FROM " + table + " WHERE bot_id = " + id)));
    }

    private static String list(long... ids) {
        return java.util.Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }
}
