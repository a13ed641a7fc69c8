package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * After a receiver outage most of the outbox is blocked: each bot's first delivery is out (or
 * waiting for its retry) and its later ones wait behind it. A claim then must read only what can
 * go now, not the blocked rows: the claim statement the outbox runs is explained with ANALYZE at
 * 20,000 blocked deliveries, and its plan must show no anti join, no sequential scan of an outbox
 * table, and a number of rows read that is a small multiple of the batch. Both adapters.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class WebhookClaimAtScaleTest {
    private static final int BOTS = 1000;
    private static final int EVENTS = 20;
    private static final int BATCH = 20;
    private static final Set<String> OUTBOX = Set.of("webhook_deliveries", "webhook_heads", "webhook_receivers", "bot_events");

    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final Sql sql;
    private final OutboxFill fill;

    WebhookClaimAtScaleTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        sql = db.sql(2);
        fill = new OutboxFill(db);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aClaimAtALargeBlockedBacklogReadsOnlyWhatCanGoNow() {
        fill.bots(BOTS, EVENTS, "https://hooks.example.com/botfleet", clock.instant());
        WebhookDeliveries deliveries = new WebhookDeliveries(sql, clock);
        // every bot's first delivery is with a sender: the other 19 of each wait behind it
        assertThat(deliveries.claim(null, BOTS)).as("one per bot: its first").hasSize(BOTS);
        fill.bots(3 * BATCH, 1, "https://other.example.com/hooks", clock.instant()); // these can go now
        fill.analyze();

        Capturing capturing = new Capturing(sql);
        assertThat(new WebhookDeliveries(capturing, clock).claim(null, BATCH)).hasSize(BATCH);
        String claim = capturing.statements.get(capturing.statements.size() - 1);
        Params params = capturing.params.get(capturing.params.size() - 1);

        JsonNode plan = explain(claim, params);
        List<String> anti = new ArrayList<>();
        List<String> seqScans = new ArrayList<>();
        long[] rowsRead = {0};
        walk(plan, node -> {
            long loops = node.path("Actual Loops").asLong();
            String relation = node.path("Relation Name").asString(null);
            if (node.path("Join Type").asString("").contains("Anti")) {
                anti.add(node.path("Node Type").asString() + " (" + node.path("Join Type").asString() + ")");
            }
            if (relation != null && OUTBOX.contains(relation) && loops > 0) {
                if (node.path("Node Type").asString().equals("Seq Scan") && !relation.equals("webhook_receivers")) {
                    seqScans.add(relation);
                }
                rowsRead[0] += loops * (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong()
                        + node.path("Rows Removed by Index Recheck").asLong());
            }
        });
        String shown = plan.toPrettyString();
        assertThat(anti).as("no anti join over the blocked rows:%n%s", shown).isEmpty();
        assertThat(seqScans).as("no sequential scan of an outbox table:%n%s", shown).isEmpty();
        assertThat(rowsRead[0]).as("rows the claim read at %d blocked deliveries:%n%s", BOTS * (EVENTS - 1), shown)
                .isPositive().isLessThanOrEqualTo(10L * BATCH);
    }

    /** The statement run again under EXPLAIN ANALYZE (it claims another batch), as its plan's root node. */
    private JsonNode explain(String statement, Params params) {
        List<Row> rows = sql.query("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params);
        String value = rows.get(0).getString("QUERY PLAN");
        return JsonMapper.shared().readTree(value).get(0).get("Plan");
    }

    private static void walk(JsonNode node, Consumer<JsonNode> visit) {
        visit.accept(node);
        for (JsonNode child : node.path("Plans")) {
            walk(child, visit);
        }
    }

    /** The SQL port, keeping each statement and its parameters as the outbox sent them. */
    private static final class Capturing implements Sql {
        private final Sql delegate;
        private final List<String> statements = new ArrayList<>();
        private final List<Params> params = new ArrayList<>();

        Capturing(Sql delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Row> query(String statement, Params p) {
            statements.add(statement);
            params.add(p);
            return delegate.query(statement, p);
        }

        @Override
        public int update(String statement, Params p) {
            statements.add(statement);
            params.add(p);
            return delegate.update(statement, p);
        }

        @Override
        public void transaction(Consumer<Sql> work) {
            delegate.transaction(work);
        }
    }
}
