package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A drain always finishes inside its budget, whatever the backlog (issue scenarios D11-D12). */
class DrainBoundsTest {
    private Harness h;

    @AfterEach
    void close() {
        h.close();
    }

    /** D11: 100,000 entries past their timeout; through the Data API every answer must stay under 1 MiB. */
    @Test
    void aHundredThousandExpiredEntriesAreEndedInBoundedStatements() throws Exception {
        h = new Harness(TestDatabase.Adapter.DATA_API, 1, 1, Map.of());
        Instance api = h.instance();
        try (Connection c = h.db.pool(1).getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    WITH new_bots AS (
                      INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status)
                      SELECT 'default', 'backlog ' || g, '{"platform":"zoom","url":"https://zoom.us/j/1"}',
                             'zoom', '{}', 'QUEUED' FROM generate_series(1, 100000) g
                      RETURNING id, tenant)
                    INSERT INTO deployment_queue (bot_id, tenant, queued_at, not_before, timeout_at)
                    SELECT id, tenant, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 minute'
                    FROM new_bots""");
            s.execute("ANALYZE"); // as autovacuum would have, on a table that grew this large
        }
        Duration budget = Duration.ofSeconds(3);
        for (int drains = 0; h.n("SELECT count(*) AS n FROM deployment_queue") > 0; drains++) {
            assertThat(drains).as("drains needed").isLessThan(30);
            long t0 = System.nanoTime();
            api.services().hybrid().processQueue("drainer-" + drains, budget);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("one drain").isLessThan(budget.plusSeconds(1));
        }
        assertThat(h.n("SELECT count(*) AS n FROM bots WHERE status = 'FATAL'")).isEqualTo(100_000);
    }

    /** D12: a round that would need one timeout per platform stops where the budget ends. */
    @Test
    void aRoundDoesNotStartACallItCannotWaitFor() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_CALL_TIMEOUT", "800ms", "QUEUE_LEASE", "3s"));
        Instance api = h.instance();
        h.k8s.then(h.k8s.fail(Kind.CAPACITY));
        h.aws.then(h.aws.fail(Kind.CAPACITY));
        long id = api.deploy(Fixtures.config()).botId();
        h.k8s.then(h.k8s.slowFail(700, Kind.TRANSIENT));
        h.aws.then(h.aws.hang(5_000));

        long t0 = System.nanoTime();
        api.services().hybrid().processQueue("drainer", Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(h.status(id)).isEqualTo("QUEUED");
    }

    /** D12: the resume of pinned bots, before the rounds, is inside the budget too. */
    @Test
    void theResumeOfPinnedBotsIsBudgeted() {
        h = new Harness(TestDatabase.Adapter.JDBC, 1, 1, Map.of("PLATFORM_CALL_TIMEOUT", "800ms", "QUEUE_LEASE", "3s"));
        Instance api = h.instance();
        h.k8s.then(h.k8s.hang(1_000));
        api.deploy(Fixtures.config()); // pinned to k8s
        h.k8s.then(h.k8s.hang(5_000));
        h.clock.advance(Duration.ofMinutes(1));

        long t0 = System.nanoTime();
        api.services().hybrid().processQueue("drainer", Duration.ofMillis(500));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
    }
}
