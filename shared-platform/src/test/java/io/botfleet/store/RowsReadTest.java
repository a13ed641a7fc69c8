package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No Seq Scan (QueryPlansTest) is not yet a bounded cost: a plan can read a whole index, or join
 * the whole queue by hash. Where the history outnumbers the queue, as in a fleet that has run for
 * months, the planner believes few queue entries belong to a QUEUED bot and is tempted to. Every
 * statement that only reads is run under EXPLAIN ANALYZE here, and none may read more rows of a
 * growing table than a queued bot's exact position walks, whatever the size of the queue.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class RowsReadTest {
    private static final int QUEUED = 6_000;
    private static final int HISTORY = 120_000;

    /** The position walk reads up to EXACT_UP_TO entries and their bots; a page or a claim far less. */
    private static final long MOST_ROWS = 2L * DeploymentQueue.EXACT_UP_TO + 500;

    private final TestDatabase.Adapter adapter;

    RowsReadTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @Test
    void noReadOfARequestOrTheDrainGrowsWithTheQueueOrTheHistory() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            FleetFill.fill(new JdbcSql(db.pool(1)), QUEUED, HISTORY);
            ExplainingSql sql = new ExplainingSql(db.sql(4), QueryPlansTest.GROWING);
            FleetTour fleet = new FleetTour(db, sql);

            fleet.requests();
            fleet.history();
            fleet.drain();
            fleet.webhooks();

            Map<String, String> named = QueryPlansTest.namedStatements();
            List<String> large = sql.planned().stream().filter(p -> p.mostRead() != null && p.mostRead().rows() > MOST_ROWS)
                    .map(p -> p.step() + ": " + QueryPlansTest.label(named, p.statement()) + ": " + p.mostRead()).distinct().toList();
            assertThat(large).as("reads of more than %d rows of a growing table", MOST_ROWS).isEmpty();
        }
    }
}
