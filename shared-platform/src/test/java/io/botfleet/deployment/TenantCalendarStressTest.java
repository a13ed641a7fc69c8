package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotConfig;
import io.botfleet.deployment.BotDeploymentService.CapacityUnavailable;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An hour of a limited tenant's traffic, a minute at a time, each minute's work at once over four
 * instances: acme (limit 2) asks for three reservations 12 to 40 minutes ahead and one ad-hoc bot,
 * globex (no limit) floods three ad-hoc bots, and two drains run meanwhile. Every bot ends by its promise (a
 * reserved bot at its end, an ad-hoc one 25 of its estimated 30 minutes after its placement). After
 * every minute: no reserved bot of acme whose launch has passed still waits, acme never runs above
 * its limit nor a platform above its own, and no minute is promised beyond either.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantCalendarStressTest {
    private static final int MINUTES = 60;
    private static final Duration LEAD = Duration.ofMinutes(5);

    private final Harness h;
    private final List<Instance> instances;

    TenantCalendarStressTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, 3, 3, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h",
                "GLOBAL_QUEUE_TIMEOUT", "1h"));
        instances = List.of(h.instance(), h.instance(), h.instance(), h.instance());
        instances.get(0).services().tenants().put("acme", 1, 2, 0);
        h.fleet.limitTenants(Map.of("acme", 2));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static BotConfig of(String tenant, Instant start, Duration length) {
        return Fixtures.ofTenant(tenant, start == null ? Fixtures.config() : Fixtures.scheduled(start, start.plus(length), 0));
    }

    @RepeatedTest(2)
    void reservedBotsOfALimitedTenantLaunchOnTimeWhileItsAdHocBotsAndAnotherTenantsFloodTheFleet() {
        Random random = new Random(20261206L);
        Instance api = instances.get(0);
        int reserved = 0;
        int refused = 0;
        for (int minute = 0; minute < MINUTES; minute++) {
            Instant now = h.clock.instant();
            List<CompletableFuture<Object>> work = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                BotConfig config = of("acme", now.plus(Duration.ofMinutes(12 + random.nextInt(29))),
                        Duration.ofMinutes(10 + random.nextInt(11)));
                Instance through = instances.get(i);
                work.add(h.async(() -> {
                    try {
                        return through.deploy(config);
                    } catch (CapacityUnavailable refusal) {
                        return refusal;
                    }
                }));
            }
            for (int i = 0; i < 4; i++) {
                Instance through = instances.get(i);
                String tenant = i == 0 ? "acme" : "globex";
                work.add(h.async(() -> through.deploy(of(tenant, null, null))));
            }
            for (int i = 0; i < 2; i++) {
                Instance through = instances.get(3 - i);
                work.add(h.async(through::drain));
            }
            for (CompletableFuture<Object> done : work) {
                Object answer = done.join();
                reserved += answer instanceof DeployOutcome && work.indexOf(done) < 3 ? 1 : 0;
                refused += answer instanceof CapacityUnavailable ? 1 : 0;
            }

            assertThat(h.n("""
                    SELECT count(*) AS n FROM bots b JOIN deployment_queue q ON q.bot_id = b.id
                    WHERE b.reserved AND b.status = 'QUEUED' AND q.not_before < '%s'""".formatted(now)))
                    .as("reserved bots still waiting after their launch, minute %d", minute).isZero();
            assertThat(h.n("SELECT used AS n FROM tenant_capacity WHERE tenant = 'acme'")).isLessThanOrEqualTo(2);
            assertThat(h.fleet.breaches()).isEmpty();

            h.clock.advance(Duration.ofMinutes(1));
            Instant then = h.clock.instant();
            for (long id : h.db.sql(1).query("""
                    SELECT id FROM bots WHERE status = 'DEPLOYING'
                      AND ((reserved AND end_time <= :now) OR (NOT reserved AND deploy_started_at <= :ended))""",
                    io.botfleet.store.Params.of("now", then).and("ended", then.minus(Duration.ofMinutes(25))))
                    .stream().map(r -> r.getLong("id")).toList()) {
                h.finish(api, id);
            }
            api.drain();
        }
        System.out.printf("TenantCalendarStressTest: %d reservations admitted, %d refused%n", reserved, refused);
        assertThat(reserved).as("acme's two units fill: some reservations admitted (at most about 10 fit)").isGreaterThanOrEqualTo(5);
        assertThat(refused).as("and most refused at once").isGreaterThan(100);
        assertThat(h.n("SELECT count(*) AS n FROM bots WHERE reserved AND tenant = 'acme' AND status = 'DEPLOYING'"
                + " AND deploy_started_at > start_time")).as("launched after its start").isZero();
    }
}
