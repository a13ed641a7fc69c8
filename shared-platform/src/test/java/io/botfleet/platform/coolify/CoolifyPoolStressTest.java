package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.DeployOutcome;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Thirty bots of two meeting platforms asked for at once, through three service instances,
 * against a pool of ten: ten run, twenty wait in the global queue, and as bots finish all thirty
 * run and end DONE, every slot idle again. Watched all along: no slot serves two bots, and no bot
 * runs on a slot configured with another meeting platform's image. Both adapters, five runs.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class CoolifyPoolStressTest {
    private static final Map<MeetingPlatform, String> IMAGES = Map.of(
            MeetingPlatform.ZOOM, "ghcr.io/botfleet/zoom-bot:1.0", MeetingPlatform.GOOGLE_MEET, "ghcr.io/botfleet/meet-bot:1.0");
    private final TestDatabase.Adapter adapter;

    CoolifyPoolStressTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @RepeatedTest(5)
    void thirtyBotsShareAPoolOfTen() throws Exception {
        try (CoolifyFleet fleet = new CoolifyFleet(adapter, 10, Duration.ofMillis(800),
                Map.of("COOLIFY_MAX_CONCURRENT_DEPLOYS", "10"))) {
            fleet.pulled(IMAGES.values().toArray(String[]::new)); // the server has both images: no first pulls
            List<Services> instances = List.of(fleet.instance(), fleet.instance(), fleet.instance());
            ExecutorService clients = Executors.newFixedThreadPool(30);
            List<Future<DeployOutcome>> asked = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                MeetingPlatform platform = i % 2 == 0 ? MeetingPlatform.ZOOM : MeetingPlatform.GOOGLE_MEET;
                Services through = instances.get(i % 3);
                asked.add(clients.submit(() -> fleet.deploy(through, platform)));
            }
            Map<BotStatus, Integer> answers = new HashMap<>();
            for (Future<DeployOutcome> answer : asked) {
                answers.merge(answer.get(60, TimeUnit.SECONDS).status(), 1, Integer::sum);
            }
            clients.shutdown();
            assertThat(answers).isEqualTo(Map.of(BotStatus.DEPLOYING, 10, BotStatus.QUEUED, 20));
            assertThat(fleet.n("SELECT count(*) AS n FROM deployment_queue")).isEqualTo(20);

            List<String> breaches = Collections.synchronizedList(new ArrayList<>());
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            int tick = 0;
            while (fleet.n("SELECT count(*) AS n FROM bots WHERE status = 'DONE'") < 30
                    || fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE status <> 'IDLE'") > 0) {
                assertThat(System.nanoTime()).as("all thirty done in time").isLessThan(end);
                breaches.addAll(watch(fleet));
                instances.get(tick++ % 3).hybrid().processQueue("tick-" + tick, Duration.ofSeconds(10));
                Thread.sleep(20);
            }
            assertThat(breaches).as("breaches seen while running").isEmpty();
            assertThat(fleet.n("SELECT count(*) AS n FROM bot_pool_slots")).as("slots made").isEqualTo(10);
            assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
            assertThat(fleet.n("SELECT count(*) AS n FROM deployment_queue")).isZero();
            assertThat(fleet.coolify.violations()).isEmpty();
        }
    }

    /**
     * Stops race the ticks: deployments fail at random (so ticks deploy slots again), clients stop
     * a third of the bots at random moments through any instance, and two drainers tick at once
     * (one runs, the other asks it to go again), each deciding on what it read a moment before. At
     * the end every stopped bot ended DONE, nothing of any bot runs, and every slot is idle.
     */
    @RepeatedTest(3)
    void stopsThatRaceTheTicksAreNeverUndone(RepetitionInfo run) throws Exception {
        Random random = new Random(17L * run.getCurrentRepetition() + adapter.ordinal());
        try (CoolifyFleet fleet = new CoolifyFleet(adapter, 6, Duration.ofMillis(1500),
                Map.of("COOLIFY_MAX_CONCURRENT_DEPLOYS", "6"))) {
            fleet.pulled(IMAGES.values().toArray(String[]::new));
            List<Services> instances = List.of(fleet.instance(), fleet.instance(), fleet.instance());
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 18; i++) {
                ids.add(fleet.deploy(instances.get(i % 3), i % 2 == 0 ? MeetingPlatform.ZOOM : MeetingPlatform.GOOGLE_MEET).botId());
            }
            Set<Long> stopped = ConcurrentHashMap.newKeySet();
            List<String> breaches = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> started = new ArrayList<>();
            for (int d = 0; d < 2; d++) {
                int drainer = d;
                started.add(loops.submit(() -> {
                    for (int tick = 0; running.get(); tick++) {
                        instances.get((tick + drainer) % 3).hybrid().processQueue("tick-" + drainer + "-" + tick, Duration.ofSeconds(10));
                        pause(10);
                    }
                }));
            }
            started.add(loops.submit(() -> {
                while (running.get()) {
                    int draw;
                    synchronized (random) {
                        draw = random.nextInt(100);
                    }
                    if (draw < 10) {
                        fleet.coolify.failNextDeployments(1 + draw % 2);
                    } else if (draw < 25) {
                        long id = ids.get(draw % ids.size());
                        if (!stopped.contains(id)) {
                            var stop = instances.get(draw % 3).deployments().stop(id).result();
                            if (stop == BotDeploymentService.StopResult.STOPPING || stop == BotDeploymentService.StopResult.STOPPED) {
                                stopped.add(id); // accepted: a bot that had ended already is not stopped by it
                            }
                        }
                    }
                    breaches.addAll(watch(fleet));
                    pause(40);
                }
            }));
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            try {
                while (fleet.n("SELECT count(*) AS n FROM bots WHERE status NOT IN ('DONE', 'FATAL')") > 0
                        || fleet.n("SELECT count(*) AS n FROM bot_pool_slots WHERE assigned_bot_id IS NOT NULL") > 0
                        || fleet.coolify.backend().containersRunning() > 0) {
                    assertThat(System.nanoTime()).as("every bot ended in time").isLessThan(end);
                    Thread.sleep(100);
                }
            } finally {
                running.set(false);
                for (Future<?> loop : started) {
                    loop.get(30, TimeUnit.SECONDS);
                }
                loops.shutdown();
            }
            String stoppedList = stopped.isEmpty() ? "0" : stopped.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(breaches).as("breaches seen while running").isEmpty();
                soft.assertThat(stopped).as("stops made").isNotEmpty();
                soft.assertThat(fleet.text("SELECT string_agg(id || ' ' || status || ' ' || COALESCE(status_reason, '-'), '; ') AS s"
                        + " FROM bots WHERE status <> 'DONE' AND id IN (" + stoppedList + ")"))
                        .as("stopped bots that did not end DONE").isNull();
                soft.assertThat(fleet.n("SELECT count(*) AS n FROM bots WHERE status = 'FATAL' AND status_reason IS NULL")).isZero();
                soft.assertThat(fleet.coolify.backend().containersRunning()).as("containers running").isZero();
                soft.assertThat(fleet.n("SELECT sum(used) AS n FROM platform_capacity")).isZero();
                soft.assertThat(fleet.n("SELECT count(*) AS n FROM deployment_queue")).isZero();
                soft.assertThat(fleet.coolify.violations()).isEmpty();
            });
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** No slot with two bots; no container of a bot whose meeting platform's image is not its slot's. */
    private static List<String> watch(CoolifyFleet fleet) {
        List<String> breaches = new ArrayList<>();
        if (fleet.n("SELECT count(*) - count(DISTINCT assigned_bot_id) AS n FROM bot_pool_slots WHERE assigned_bot_id IS NOT NULL") > 0) {
            breaches.add("a bot holds two slots");
        }
        var backend = fleet.coolify.backend();
        synchronized (backend) {
            Map<String, String> botOnApp = new HashMap<>();
            for (FakeCoolifyBackend.App app : backend.apps.values()) {
                if (app.container == null) {
                    continue;
                }
                String bot = app.envs.get("BOT_ID");
                if (botOnApp.put(bot, app.uuid) != null) {
                    breaches.add("bot " + bot + " runs on two applications");
                }
                MeetingPlatform platform = MeetingPlatform.fromWire(app.envs.get("MEETING_PLATFORM")).orElseThrow();
                if (!IMAGES.get(platform).equals(app.image + ":" + app.tag)) {
                    breaches.add("bot " + bot + " of " + platform + " runs on " + app.image + ":" + app.tag);
                }
            }
        }
        return breaches;
    }
}
