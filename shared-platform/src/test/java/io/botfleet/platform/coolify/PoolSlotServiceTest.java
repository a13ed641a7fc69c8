package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.coolify.PoolSlotService.Acquired;
import io.botfleet.platform.coolify.PoolSlotService.Found;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The pool's slots against a real PostgreSQL: acquisition, admission, and compare-and-set by bot. */
class PoolSlotServiceTest {
    private static final String ZOOM = "ghcr.io/botfleet/zoom-bot:1.0";
    private static final String MEET = "ghcr.io/botfleet/meet-bot:1.0";
    private static final String TEAMS = "ghcr.io/botfleet/teams-bot:1.0";
    private final MutableClock clock = new MutableClock();
    private TestDatabase db;

    @BeforeEach
    void start() {
        db = TestDatabase.fresh();
        for (long bot = 1; bot <= 40; bot++) { // slots reference real bots
            db.sql(1).update("""
                    INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status)
                    VALUES ('t', 'b', '{}', 'zoom', '{}', 'QUEUED')""", Params.of());
        }
    }

    @AfterEach
    void stop() {
        db.close();
    }

    private PoolSlotService pool(Sql sql, int size, int lanes) {
        return new PoolSlotService(sql, clock, size, "botfleet-slot-", new PoolSlotService.Admission(lanes, Duration.ofMinutes(5)));
    }

    @Test
    void anImagesFirstPullGoesAloneAndDeploymentsBeyondTheLanesWait() {
        PoolSlotService slots = pool(db.sql(2), 10, 2);
        Acquired zoom1 = slots.acquire(1, "zoom", ZOOM);
        assertThat(zoom1.found()).isEqualTo(Found.CREATED);
        assertThat(slots.acquire(2, "zoom", ZOOM).found()).as("zoom's first pull is in progress").isEqualTo(Found.NOT_ADMITTED);
        assertThat(slots.acquire(3, "google-meet", MEET).found()).isEqualTo(Found.CREATED);
        assertThat(slots.acquire(4, "microsoft-teams", TEAMS).found()).as("both lanes busy").isEqualTo(Found.NOT_ADMITTED);

        slots.recordApplication(zoom1.slot().id(), 1, "app-1");
        slots.recordDeployment(zoom1.slot().id(), 1, "dep-1");
        slots.recordImage(zoom1.slot().id(), 1, ZOOM);
        assertThat(slots.markHealthy(zoom1.slot().id(), 1, "dep-1", ZOOM)).isTrue();
        assertThat(slots.acquire(2, "zoom", ZOOM).found()).as("pulled now, and a lane is free").isEqualTo(Found.CREATED);
        assertThat(slots.acquire(2, "zoom", ZOOM).found()).as("asked again").isEqualTo(Found.ASSIGNED_BEFORE);
    }

    /** A late "finished" for bot A's old deployment does not touch the slot now serving bot B. */
    @Test
    void aLateUpdateForTheSlotsFormerBotChangesNothing() {
        PoolSlotService slots = pool(db.sql(2), 1, 2);
        Acquired a = slots.acquire(1, "zoom", ZOOM);
        slots.recordApplication(a.slot().id(), 1, "app-1");
        slots.recordDeployment(a.slot().id(), 1, "dep-a");
        slots.release(a.slot().id(), 1);
        Acquired b = slots.acquire(2, "zoom", ZOOM);
        assertThat(b.slot().id()).isEqualTo(a.slot().id());
        slots.recordDeployment(b.slot().id(), 2, "dep-b");

        assertThat(slots.markHealthy(a.slot().id(), 1, "dep-a", ZOOM)).isFalse();
        assertThat(slots.markError(a.slot(), "late failure of A")).isFalse();
        assertThat(slots.release(a.slot().id(), 1)).isFalse();
        assertThat(slots.markHealthy(b.slot().id(), 2, "dep-a", ZOOM)).as("not B's deployment").isFalse();
        PoolSlotService.Slot now = slots.ofBot(2);
        assertThat(now.status()).isEqualTo("DEPLOYING");
        assertThat(now.deploymentUuid()).isEqualTo("dep-b");
        assertThat(slots.stats()).isEqualTo(Map.of("zoom", Map.of("DEPLOYING", 1L)));
    }

    /** Many instances acquiring at once: never two bots on a slot, never more slots than the pool's size or lanes. */
    @RepeatedTest(3)
    void concurrentAcquiresNeverOverfillThePoolOrTheLanes() throws Exception {
        List<PoolSlotService> instances = List.of(pool(db.sql(5), 6, 4), pool(db.sql(5), 6, 4), pool(db.sql(5), 6, 4));
        db.sql(1).update("INSERT INTO coolify_images VALUES ('" + ZOOM + "', now()), ('" + MEET + "', now())", Params.of());
        ExecutorService threads = Executors.newFixedThreadPool(20);
        List<Future<Acquired>> results = new ArrayList<>();
        for (long bot = 1; bot <= 20; bot++) {
            long id = bot;
            results.add(threads.submit(() -> instances.get((int) (id % 3)).acquire(id, id % 2 == 0 ? "zoom" : "google-meet",
                    id % 2 == 0 ? ZOOM : MEET)));
        }
        int admitted = 0;
        for (Future<Acquired> r : results) {
            admitted += r.get().slot() != null ? 1 : 0;
        }
        threads.shutdown();
        assertThat(admitted).as("every lane taken: a lost race asks again").isEqualTo(4);
        assertThat(db.count("SELECT count(*) AS n FROM bot_pool_slots")).isLessThanOrEqualTo(4);
        assertThat(db.count("SELECT count(DISTINCT build_lane) AS n FROM bot_pool_slots WHERE build_lane IS NOT NULL"))
                .isEqualTo(admitted);
        assertThat(db.count("SELECT count(*) AS n FROM bot_pool_slots WHERE assigned_bot_id IS NOT NULL")).isEqualTo(admitted);
    }
}
