package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.store.Params;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A queued bot's position and the waiting count, which no longer count the whole queue: exact up to
 * the bound, an estimate of the stated kind beyond it. The oracle is the count over the queue the
 * statements used to make.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class QueuePositionTest {
    private static final int EXACT_UP_TO = 10;
    /** Everything ahead of a bot, counted: what a position means. */
    private static final String COUNTED = """
            SELECT (SELECT count(*) FROM deployment_queue o JOIN bots ob ON ob.id = o.bot_id
                    WHERE ob.status = 'QUEUED'
                      AND (o.priority, o.not_before, o.id) < (q.priority, q.not_before, q.id)) + 1 AS position
            FROM deployment_queue q JOIN bots b ON b.id = q.bot_id WHERE q.bot_id = :botId AND b.status = 'QUEUED'""";

    /** A burst queued in one statement, as a bulk import or a restore would: each entry is numbered by the lane trigger. */
    private static final String BURST = """
            WITH made AS (
              INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status)
              SELECT 'acme', 'burst ' || g, '{"platform": "zoom", "url": "https://zoom.us/j/1"}'::jsonb, 'zoom', '{}'::jsonb,
                     'QUEUED'
              FROM generate_series(1, :n) g
              RETURNING id, tenant)
            INSERT INTO deployment_queue (bot_id, tenant, timeout_at) SELECT id, tenant, now() + interval '1 hour' FROM made""";

    private final MutableClock clock = new MutableClock();
    private final TestDatabase.Adapter adapter;
    private TestDatabase db;
    private Services services;
    private DeploymentQueue queue;

    QueuePositionTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @BeforeEach
    void start() {
        db = TestDatabase.fresh(adapter);
        services = Fixtures.services(Fixtures.twoPlatforms(1, 1), db.sql(4),
                List.of(new FakePlatform("k8s"), new FakePlatform("aws")), clock);
        queue = new DeploymentQueue(db.sql(1), services.bots(), clock, services.calendar(), EXACT_UP_TO);
        services.deployments().deploy(Fixtures.config(), null); // both units taken: what follows queues
        services.deployments().deploy(Fixtures.config(), null);
    }

    @AfterEach
    void stop() {
        db.close();
    }

    /** Bots of three priorities queue; every fifth of them is stopped while queued. */
    private List<Long> queueOfThreeLanes(int n) {
        List<Long> waiting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long id = services.deployments().deploy(Fixtures.withPriority(List.of(0, 5, -3).get(i % 3)), null).botId();
            clock.advance(java.time.Duration.ofMillis(10));
            if (i % 5 == 2) {
                services.deployments().stop(id);
            } else {
                waiting.add(id);
            }
        }
        return waiting;
    }

    private long counted(long botId) {
        return db.sql(1).queryOne(COUNTED, Params.of("botId", botId)).getLong("position");
    }

    @Test
    void positionsUpToTheBoundAreExactAndBeyondItNeverBelowTheTruthNorAboveItByMoreThanTheStoppedAhead() {
        List<Long> waiting = queueOfThreeLanes(60);
        int stopped = 60 - waiting.size();
        SoftAssertions soft = new SoftAssertions();
        int estimated = 0;
        for (long id : waiting) {
            long truth = counted(id);
            long position = queue.find(id).position();
            if (truth <= EXACT_UP_TO) {
                soft.assertThat(position).as("bot %d at %d", id, truth).isEqualTo(truth);
            } else {
                estimated++;
                soft.assertThat(position).as("bot %d at %d, estimated", id, truth)
                        .isGreaterThanOrEqualTo(truth).isLessThanOrEqualTo(truth + stopped);
            }
        }
        soft.assertAll();
        assertThat(estimated).as("positions beyond the bound").isGreaterThan(20);
    }

    @Test
    void theDefaultBoundCountsAQueueOfThisSizeExactly() {
        DeploymentQueue exact = services.queue();
        for (long id : queueOfThreeLanes(30)) {
            assertThat(exact.find(id).position()).isEqualTo(counted(id));
        }
    }

    @Test
    void theWaitingCountIsExactUpToTheBoundAndAnUpperBoundBeyond() {
        assertThat(queue.stats().waiting()).isZero();
        assertThat(queue.stats().oldestQueuedAt()).isNull();
        List<Long> few = queueOfThreeLanes(8);
        assertThat(queue.stats().waiting()).isEqualTo(few.size());
        long oldest = few.get(0);
        assertThat(queue.stats().oldestQueuedAt()).isEqualTo(services.bots().find(oldest).createdAt());

        List<Long> more = queueOfThreeLanes(40);
        long truth = db.count("SELECT count(*) AS n FROM deployment_queue q JOIN bots b ON b.id = q.bot_id"
                + " WHERE b.status = 'QUEUED'");
        assertThat(truth).isEqualTo(few.size() + more.size());
        assertThat(queue.stats().waiting()).isBetween(truth, truth + 48 - truth);
        assertThat(services.bots().find(more.get(0)).status()).isEqualTo(BotStatus.QUEUED);
    }

    /**
     * The lane trigger looks up its lane's last number once per queued bot. Planned for the queue as
     * it was last analyzed (empty, as autovacuum finds it after a drain) and kept, that lookup would
     * read the whole lane for every bot after: a burst into an empty queue cost the square of its size.
     */
    @Test
    void numberingABurstLooksEachLaneUpOnItsIndexOnceTheQueueIsMoreThanAFewPages() throws Exception {
        try (Connection connection = db.pool(1).getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("ANALYZE deployment_queue");
                statement.executeUpdate(BURST.replace(":n", "4000"));
                ResultSet scans = statement.executeQuery(
                        "SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'deployment_queue'");
                assertThat(scans.next()).isTrue();
                // a few pages are read whole while the queue is that small; then the index (read whole
                // each time, the 4,000 would have cost about 8,000,000 rows)
                assertThat(scans.getLong(1)).as("queue rows read while numbering 4,000 entries").isLessThan(400_000);
            }
            connection.rollback();
        }
    }
}
