package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.botfleet.deployment.Admissions;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.BotStops;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.CapacityCalendar;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.ContainerEndings;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.DrainLease;
import io.botfleet.deployment.EventCounts;
import io.botfleet.deployment.FirstAnswers;
import io.botfleet.deployment.PlatformReleases;
import io.botfleet.deployment.Retention;
import io.botfleet.deployment.StartupTimes;
import io.botfleet.deployment.Tenants;
import io.botfleet.deployment.WebhookDeliveries;
import io.botfleet.platform.coolify.PoolSlotService;
import io.botfleet.testing.TestDatabase;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every statement a request or a drain runs, planned on a filled database through each SQL adapter:
 * none may read a table that grows with the backlog or the history whole (a Seq Scan), because then
 * its cost grows with them. The statements are the real ones, run by the real paths with their real
 * parameters; each is EXPLAINed just before it runs, so it is planned against the rows as they are.
 * Every statement held in a named constant must be run by one of the steps.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class QueryPlansTest {
    /** The tables that grow with the backlog and the history. */
    static final Set<String> GROWING = Set.of("bots", "deployment_queue", "bot_events", "webhook_deliveries");

    /** The classes that hold the statements, each a named constant. */
    private static final List<Class<?>> STATEMENT_HOLDERS = List.of(BotStore.class, Admissions.class, DeploymentQueue.class,
            BotHistory.class, CapacityLedger.class, CapacityCalendar.class, StartupTimes.class, PlatformReleases.class,
            DrainLease.class, WebhookDeliveries.class, ContainerEndings.class, BotStops.class, FirstAnswers.class,
            PoolSlotService.class, Retention.class, Tenants.class, EventCounts.class);

    /**
     * Statements allowed to read a growing table whole, each with why. The test fails when one no
     * longer does (or no longer exists): then its exception goes. The statements that take a JSON
     * batch (BotStore.RECORD_DEPLOYMENTS, PlatformReleases.SETTLE) need none: their rows meet bots
     * by id. Nor do the whole-table reads of small tables (platform_capacity, bot_pool_slots).
     */
    private static final Map<String, String> EXCEPTIONS = Map.of();

    /**
     * Bots waiting. Below some thousands a Seq Scan can be the planner's right choice (a claimed batch
     * hashed against a small queue costs less than probing its index), and says nothing of how a
     * statement scales; the issue measures from 1,000 to 100,000.
     */
    private static final int BACKLOG = 30_000;

    private final TestDatabase.Adapter adapter;

    QueryPlansTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @Test
    void everyStatementOfTheRequestsAndTheDrainReadsGrowingTablesThroughAnIndex() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            FleetFill.fill(new JdbcSql(db.pool(1)), BACKLOG);
            ExplainingSql sql = new ExplainingSql(db.sql(4), GROWING);
            FleetTour fleet = new FleetTour(db, sql);

            fleet.requests();
            fleet.history();
            fleet.drain();
            fleet.platformWords();
            fleet.webhooks();
            fleet.coolifyPool();
            fleet.tenants();
            fleet.operations();

            Map<String, String> named = namedStatements();
            List<ExplainingSql.Planned> planned = sql.planned();
            Set<String> explained = new LinkedHashSet<>();
            planned.forEach(p -> explained.add(label(named, p.statement())));
            List<Finding> findings = findings(named, planned);
            assertSoftly(soft -> {
                soft.assertThat(named.values()).as("named statements no step of this test runs").isSubsetOf(explained);
                soft.assertThat(findings).filteredOn(f -> !EXCEPTIONS.containsKey(f.label()))
                        .as("statements that read a growing table whole").isEmpty();
                soft.assertThat(EXCEPTIONS.keySet()).as("exceptions that name no statement, or no longer need to be one")
                        .isSubsetOf(findings.stream().map(Finding::label).toList());
            });
        }
    }

    /**
     * A large queue drained empty leaves statistics that still say most bots are QUEUED until the
     * table is analyzed again; the statements a new request and the drain run must not trust them.
     */
    @Test
    void admissionAndTheDrainAfterALargeQueueEmptiedReadThroughAnIndexBeforeStatisticsAreRefreshed() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Sql fill = new JdbcSql(db.pool(1));
            FleetFill.fill(fill, BACKLOG);
            fill.update("UPDATE bots SET status = 'DONE', status_reason = 'STOPPED', ended_at = now(), updated_at = now() "
                    + "WHERE status = 'QUEUED'", Params.of());
            fill.update("DELETE FROM deployment_queue WHERE bot_id NOT IN (SELECT id FROM bots WHERE status = 'DEPLOYING')",
                    Params.of());
            assertThat(db.count("SELECT count(*) AS n FROM bots WHERE status = 'QUEUED'")).isZero();
            assertThat(db.text("SELECT (frequencies[array_position(vals, 'QUEUED')])::text AS s FROM "
                    + "(SELECT most_common_vals::text::text[] AS vals, most_common_freqs AS frequencies FROM pg_stats "
                    + "WHERE tablename = 'bots' AND attname = 'status') AS st"))
                    .as("the statistics still say more than half of the bots are QUEUED").isNotNull()
                    .satisfies(f -> assertThat(Double.parseDouble(f)).isGreaterThan(0.5));
            ExplainingSql sql = new ExplainingSql(db.sql(4), GROWING);
            FleetTour fleet = new FleetTour(db, sql);

            fleet.requests();
            fleet.drain();

            assertThat(findings(namedStatements(), sql.planned())).filteredOn(f -> !EXCEPTIONS.containsKey(f.label()))
                    .as("statements that read a growing table whole").isEmpty();
        }
    }

    /** A statement that reads a growing table whole, in one step of the scenario. */
    private record Finding(String label, String step, List<String> seqScans) {
        @Override
        public String toString() {
            return label + " (" + step + "): " + String.join("; ", seqScans);
        }
    }

    /** Each statement that reads a growing table whole, once per step. */
    private static List<Finding> findings(Map<String, String> named, List<ExplainingSql.Planned> planned) {
        Set<Finding> findings = new LinkedHashSet<>();
        planned.stream().filter(p -> !p.seqScans().isEmpty())
                .forEach(p -> findings.add(new Finding(label(named, p.statement()), p.step(), p.seqScans())));
        return List.copyOf(findings);
    }

    /** The constant's name ({@code DeploymentQueue.CLAIM}), or for a statement written in place, its log name. */
    static String label(Map<String, String> named, String statement) {
        String name = named.get(statement);
        return name != null ? name : "[" + NamedStatement.nameOf(statement) + "]";
    }

    /**
     * Every statement held in a named constant, by its text: {@code DeploymentQueue.CLAIM}. A
     * template ({@code %s} in it) and a fragment other constants end with are parts, not statements:
     * what runs is the constants made of them.
     */
    static Map<String, String> namedStatements() {
        Map<String, String> named = new LinkedHashMap<>();
        for (Class<?> holder : STATEMENT_HOLDERS) {
            for (Field field : holder.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (field.getType() != String.class || !Modifier.isStatic(modifiers) || !Modifier.isFinal(modifiers)) {
                    continue;
                }
                field.setAccessible(true); // private by design; read here only to hold the test to every one
                try {
                    String text = (String) field.get(null);
                    String verb = SqlText.code(text).strip().split("[\\s(]", 2)[0].toUpperCase(Locale.ROOT);
                    if (Set.of("SELECT", "WITH", "INSERT", "UPDATE", "DELETE").contains(verb) && !text.contains("%s")) {
                        named.put(text, holder.getSimpleName() + "." + field.getName());
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        Set<String> texts = Set.copyOf(named.keySet());
        named.keySet().removeIf(text -> texts.stream().anyMatch(other -> !other.equals(text) && other.contains(text)));
        return named;
    }
}
