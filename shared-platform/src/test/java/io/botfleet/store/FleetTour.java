package io.botfleet.store;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.BotHistory.Filter;
import io.botfleet.deployment.CapacityCalendar;
import io.botfleet.deployment.FirstAnswers;
import io.botfleet.deployment.WebhookDeliveries;
import io.botfleet.deployment.WebhookSender;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.coolify.PoolSlotService;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real paths a fleet takes, requests, history pages, the drain, what platforms say, webhooks
 * and the Coolify pool, on a service graph whose every statement is planned before it runs.
 */
final class FleetTour {
    private final TestDatabase db;
    private final ExplainingSql sql;
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final Services services;
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

    FleetTour(TestDatabase db, ExplainingSql sql) {
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

    /** The tenant routes: a tenant set, the list, a busy tenant and one never configured. */
    void tenants() {
        var tenants = services.tenants();
        sql.step("PUT /tenants/{tenant}");
        tenants.put("initech", 3, 50, 5);
        sql.step("GET /tenants");
        tenants.list();
        sql.step("GET /tenants/{tenant}");
        tenants.get("globex");
        tenants.get("nobody");
    }

    /**
     * The operator's reads and actions: the metrics' count, the dashboard's chart, the schedule, and
     * a platform held, drained (its bots stopped) and released.
     */
    void operations() {
        sql.step("the metrics' count of the events since the last");
        services.eventCounts().take();
        sql.step("GET /activity");
        services.history().activity(Instant.now().minus(Duration.ofHours(1)));
        sql.step("GET /schedule");
        services.calendar().schedule(Instant.now(), Instant.now().plus(Duration.ofDays(1)), 1000);
        sql.step("a refused reservation's next window");
        Instant start = Instant.now().plus(Duration.ofHours(2));
        services.calendar().nextFree(CapacityCalendar.Span.of(start, start.plus(Duration.ofMinutes(30))), "initech");
        sql.step("POST /platforms/{platform}/hold, /drain, /release");
        services.platformHolds().hold("aws");
        services.platformHolds().drain("aws");
        services.platformHolds().release("aws");
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
