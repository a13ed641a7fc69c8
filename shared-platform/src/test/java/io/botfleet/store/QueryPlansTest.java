package io.botfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.BotHistory.Filter;
import io.botfleet.deployment.BotStops;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.ContainerEndings;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.DrainLease;
import io.botfleet.deployment.FirstAnswers;
import io.botfleet.deployment.PlatformReleases;
import io.botfleet.deployment.Retention;
import io.botfleet.deployment.WebhookDeliveries;
import io.botfleet.deployment.WebhookSender;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.coolify.PoolSlotService;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
    private static final Set<String> GROWING = Set.of("bots", "deployment_queue", "bot_events", "webhook_deliveries");

    /** The classes that hold the statements, each a named constant. */
    private static final List<Class<?>> STATEMENT_HOLDERS = List.of(BotStore.class, DeploymentQueue.class,
            BotHistory.class, CapacityLedger.class, PlatformReleases.class, DrainLease.class, WebhookDeliveries.class,
            ContainerEndings.class, BotStops.class, FirstAnswers.class, PoolSlotService.class, Retention.class);

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
            Fleet fleet = new Fleet(db, sql);

            fleet.requests();
            fleet.history();
            fleet.drain();
            fleet.platformWords();
            fleet.webhooks();
            fleet.coolifyPool();

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
            Fleet fleet = new Fleet(db, sql);

            fleet.requests();
            fleet.drain();

            assertThat(findings(namedStatements(), sql.planned())).filteredOn(f -> !EXCEPTIONS.containsKey(f.label()))
                    .as("statements that read a growing table whole").isEmpty();
        }
    }

    /** The real paths, on a service graph whose every statement is planned before it runs. */
    private static final class Fleet {
        private final TestDatabase db;
        private final ExplainingSql sql;
        private final FakePlatform k8s = new FakePlatform("k8s");
        private final Services services;
        private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

        Fleet(TestDatabase db, ExplainingSql sql) {
            this.db = db;
            this.sql = sql;
            List<PlatformService> platforms = List.of(k8s, new FakePlatform("aws"));
            this.services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s,aws",
                    "K8S_BOT_LIMIT", "400", "AWS_BOT_LIMIT", "400")), sql, platforms, Clock.systemUTC());
        }

        private long id(String query) {
            return db.count(query);
        }

        void requests() {
            var deployments = services.deployments();
            sql.step("POST /bots behind the backlog, with an Idempotency-Key");
            long queued = deployments.deploy(Fixtures.config(), "plans-1").botId();
            services.firstAnswers().keep(queued, new FirstAnswers.Answer(202, "{\"id\": " + queued + "}"));
            sql.step("POST /bots repeated with its Idempotency-Key");
            deployments.deploy(Fixtures.config(), "plans-1");
            services.firstAnswers().of(queued);
            sql.step("POST /bots ahead of the backlog: the first platform fails, the next takes it");
            k8s.then(k8s.fail(PlatformDeployError.Kind.TRANSIENT));
            deployments.deploy(Fixtures.withPriority(-1), null);
            sql.step("POST /bots scheduled for later");
            deployments.deploy(Fixtures.config(Instant.now().plus(Duration.ofHours(5))), null);

            long running = id("SELECT min(id) AS n FROM bots WHERE status = 'IN_CALL'");
            long ended = id("SELECT max(id) AS n FROM bots WHERE status = 'DONE'");
            sql.step("GET /bots/{id} of a queued bot");
            deployments.views().view(queued);
            sql.step("GET /bots/{id} of a running bot");
            deployments.views().view(running);
            sql.step("GET /bots/{id} of an ended bot");
            deployments.views().view(ended);
            sql.step("GET /capacity");
            deployments.views().capacity();
            sql.step("GET /queue");
            deployments.views().waiting(50);
            sql.step("GET /bots/{id}/config");
            deployments.ownConfig(running, tokens.tokenFor(running));
            sql.step("POST /bots/{id}/status: a heartbeat, the status repeated, then the call ends");
            deployments.report(running, tokens.tokenFor(running), null, null);
            deployments.report(running, tokens.tokenFor(running), BotStatus.IN_CALL, null);
            deployments.report(running, tokens.tokenFor(running), BotStatus.CALL_ENDED, "everyone left");
            deployments.report(running, tokens.tokenFor(running), BotStatus.DONE, null);
            sql.step("POST /bots/{id}/stop of a running bot");
            deployments.stop(id("SELECT max(id) AS n FROM bots WHERE status = 'IN_CALL'"));
            sql.step("POST /bots/{id}/stop of a queued bot");
            deployments.stop(id("SELECT max(id) AS n FROM bots WHERE status = 'QUEUED'"));
        }

        /** GET /bots: each filter on its first page and on a page deep in the history, and a bot's events. */
        void history() {
            BotHistory history = services.history();
            long oldRare = id("SELECT min(id) + 1 AS n FROM bots WHERE tenant = 'initech'");
            long middle = id("SELECT max(id) AS n FROM bots WHERE created_at < now() - interval '45 days'");
            Instant lastPoll = Instant.ofEpochMilli(id("SELECT (extract(epoch FROM created_at) * 1000)::bigint AS n "
                    + "FROM bots ORDER BY id DESC OFFSET 30 LIMIT 1"));
            Instant yesterday = Instant.now().minus(Duration.ofDays(1));
            Instant lastMonth = Instant.now().minus(Duration.ofDays(30));
            Map<String, Filter> pages = new LinkedHashMap<>();
            pages.put("GET /bots", new Filter(null, null, null, null, null, 50));
            pages.put("GET /bots?before (deep)", new Filter(null, null, null, null, middle, 50));
            pages.put("GET /bots?status=IN_CALL", new Filter(BotStatus.IN_CALL, null, null, null, null, 50));
            pages.put("GET /bots?status=FATAL&before (deep)", new Filter(BotStatus.FATAL, null, null, null, middle, 50));
            pages.put("GET /bots?status=QUEUED", new Filter(BotStatus.QUEUED, null, null, null, null, 50));
            pages.put("GET /bots?tenant (rare)", new Filter(null, null, "initech", null, null, 50));
            pages.put("GET /bots?tenant (rare)&before (last page)", new Filter(null, null, "initech", null, oldRare, 50));
            pages.put("GET /bots?tenant&before (deep)", new Filter(null, null, "globex", null, middle, 50));
            pages.put("GET /bots?platform (rare)", new Filter(null, "local", null, null, null, 50));
            pages.put("GET /bots?createdAfter (the last poll: a few dozen bots)", new Filter(null, null, null, lastPoll, null, 50));
            pages.put("GET /bots?createdAfter (yesterday)", new Filter(null, null, null, yesterday, null, 50));
            pages.put("GET /bots?createdAfter (last month)&before (deep)", new Filter(null, null, null, lastMonth, middle, 50));
            pages.put("GET /bots?status&tenant&createdAfter", new Filter(BotStatus.DONE, null, "initech", lastMonth, null, 50));
            pages.forEach((step, filter) -> {
                sql.step(step);
                history.list(filter);
            });
            sql.step("GET /bots/{id}/events");
            history.events(id("SELECT max(id) AS n FROM bots WHERE status = 'FATAL'"));
        }

        void drain() {
            sql.step("the drain");
            var hybrid = services.hybrid();
            hybrid.processQueue("plans-drain", hybrid.minimumDrainBudget().plus(Duration.ofSeconds(30)));
        }

        /** What platforms say of containers: an ECS task that stopped. */
        void platformWords() {
            sql.step("a container ended (ECS task state change)");
            long running = id("SELECT min(id) AS n FROM bots WHERE status = 'IN_CALL' AND platform_identifier IS NOT NULL");
            String platform = db.text("SELECT deployment_platform AS s FROM bots WHERE id = " + running);
            String identifier = db.text("SELECT platform_identifier AS s FROM bots WHERE id = " + running);
            services.hybrid().containerEnded(running, platform, identifier, PlatformStatus.STOPPED);
        }

        /** The outbox: claimed, then each answer recorded (delivered, retried, gone), and a bot's list. */
        void webhooks() {
            WebhookDeliveries deliveries = services.webhooks().deliveries();
            sql.step("webhooks: the drain's claim");
            List<WebhookDeliveries.Due> due = new ArrayList<>(deliveries.claim(null, 3));
            sql.step("webhooks: a bot's claim");
            long bot = id("SELECT max(bot_id) AS n FROM webhook_deliveries WHERE state = 'PENDING'");
            due.addAll(deliveries.claim(bot, 3));
            sql.step("webhooks: answers recorded");
            int[] answers = {200, 500, 410};
            for (int i = 0; i < due.size(); i++) {
                deliveries.record(due.get(i), new WebhookSender.Sent(answers[i % answers.length], "answered"));
            }
            sql.step("webhooks: paused receivers' probes, resumed receivers' releases");
            deliveries.probeAndRelease(3);
            sql.step("GET /bots/{id}/webhooks");
            deliveries.of(bot);
        }

        /** The Coolify pool's statements that read bots. */
        void coolifyPool() {
            sql.step("Coolify pool");
            PoolSlotService pool = new PoolSlotService(sql, Clock.systemUTC(), 20, "botfleet-slot-",
                    new PoolSlotService.Admission(3, Duration.ofMinutes(10)));
            long bot = id("SELECT min(id) AS n FROM bots WHERE status = 'IN_CALL'");
            PoolSlotService.Slot slot = pool.acquire(bot, "zoom", "ghcr.io/botfleet/zoom-bot:1.0").slot();
            pool.recordApplication(slot.id(), bot, "application-1");
            pool.recordDeployment(slot.id(), bot, "deployment-1");
            pool.watch();
            PoolSlotService.Slot seen = pool.ofBot(bot);
            pool.beginRedeploy(seen);
            pool.recordRedeployment(seen, "deployment-2");
            pool.markError(pool.ofBot(bot), "failed");
            pool.release(slot.id(), bot);
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
    private static String label(Map<String, String> named, String statement) {
        String name = named.get(statement);
        return name != null ? name : "[" + NamedStatement.nameOf(statement) + "]";
    }

    /**
     * Every statement held in a named constant, by its text: {@code DeploymentQueue.CLAIM}. A
     * template ({@code %s} in it) and a fragment other constants end with are parts, not statements:
     * what runs is the constants made of them.
     */
    private static Map<String, String> namedStatements() {
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
