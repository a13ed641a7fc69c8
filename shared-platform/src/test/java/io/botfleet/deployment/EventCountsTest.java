package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.BotStatus;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.Harness;
import io.botfleet.testing.Harness.Instance;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Metrics are counted from the bots' events: while bots join their calls through three instances,
 * three others take counts as fast as they can, and every event is counted by exactly one take; the
 * same for webhook deliveries' outcomes, written a row at a time over three connections.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class EventCountsTest {
    private static final int BOTS = 60;

    private final Harness h;

    EventCountsTest(TestDatabase.Adapter adapter) {
        h = new Harness(adapter, BOTS / 2, BOTS / 2, Map.of("HEARTBEAT_TIMEOUT", "1h", "DEPLOY_TIMEOUT", "1h"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    @RepeatedTest(3)
    void everyJoinIsCountedByExactlyOneTakeWhileSeveralInstancesCount() {
        Instance api = h.instance();
        Instant now = h.clock.instant();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < BOTS; i++) { // half started a minute ago (they join late), half start in two
            Instant start = i % 2 == 0 ? now.minus(Duration.ofMinutes(1)) : now.plus(Duration.ofMinutes(2));
            ids.add(api.deploy(Fixtures.scheduled(start, start.plus(Duration.ofMinutes(30)), 0)).botId());
        }
        AtomicLong joins = new AtomicLong();
        AtomicLong onTime = new AtomicLong();
        AtomicBoolean joining = new AtomicBoolean(true);
        List<CompletableFuture<Void>> counters = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            EventCounts counts = h.instance().services().eventCounts();
            counters.add(h.async(() -> {
                do {
                    add(counts.take(), joins, onTime);
                } while (joining.get());
                return null;
            }));
        }
        List<CompletableFuture<Void>> reporters = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Instance through = h.instance();
            List<Long> mine = ids.subList(r * BOTS / 3, (r + 1) * BOTS / 3);
            reporters.add(h.async(() -> {
                for (long id : mine) {
                    through.services().deployments().report(id, h.tokens.tokenFor(id), BotStatus.JOINING_CALL, null);
                }
                return null;
            }));
        }
        reporters.forEach(CompletableFuture::join);
        joining.set(false);
        counters.forEach(CompletableFuture::join);
        EventCounts last = api.services().eventCounts();
        Harness.until(() -> add(last.take(), joins, onTime) >= BOTS); // another database's transaction may hold xmin back

        assertThat(h.n("SELECT count(*) AS n FROM bot_events WHERE late_by_ms IS NOT NULL")).isEqualTo(BOTS);
        assertThat(joins.get()).as("every join counted once").isEqualTo(BOTS);
        assertThat(onTime.get()).as("the bots that started later were on time")
                .isEqualTo(h.n("SELECT count(*) AS n FROM bot_events WHERE late_by_ms = 0")).isEqualTo(BOTS / 2);
        assertThat(last.take()).as("nothing left to count").isEqualTo(EventCounts.Taken.NONE);
    }

    @RepeatedTest(2)
    void everyWebhookOutcomeIsCountedOnceWhateverStatementWritesIt() {
        Instance api = h.instance();
        for (int i = 0; i < BOTS / 3; i++) { // each change of status owes a webhook to its callback URL
            io.botfleet.bot.BotConfig c = Fixtures.config();
            api.deploy(new io.botfleet.bot.BotConfig(c.meeting(), c.displayName(), c.imageUrl(), c.recordingEnabled(),
                    c.automaticLeave(), null, null, "https://receiver.example.com/hook", c.tenant(), 0));
        }
        long owed = h.n("SELECT count(*) AS n FROM webhook_deliveries");
        Map<String, AtomicLong> counted = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicBoolean answering = new AtomicBoolean(true);
        CompletableFuture<Void> counter = h.async(() -> {
            EventCounts counts = h.instance().services().eventCounts();
            while (answering.get()) {
                addOutcomes(counts.take(), counted);
            }
            return null;
        });
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        List<String> outcomes = List.of("DELIVERED", "FAILED", "GONE");
        for (int k = 0; k < outcomes.size(); k++) { // one connection per outcome, a row at a time
            String state = outcomes.get(k);
            int part = k;
            answers.add(h.async(() -> {
                io.botfleet.store.Sql sql = h.db.sql(1);
                for (long id : sql.query("SELECT event_id FROM webhook_deliveries WHERE event_id %% 3 = %d".formatted(part),
                        io.botfleet.store.Params.of()).stream().map(r -> r.getLong("event_id")).toList()) {
                    sql.update("UPDATE webhook_deliveries SET state = :state WHERE event_id = :id",
                            io.botfleet.store.Params.of("state", state).and("id", id));
                }
                return null;
            }));
        }
        answers.forEach(CompletableFuture::join);
        answering.set(false);
        counter.join();
        EventCounts last = api.services().eventCounts();
        Harness.until(() -> {
            addOutcomes(last.take(), counted);
            return counted.values().stream().mapToLong(AtomicLong::get).sum() >= owed;
        });

        for (String state : outcomes) {
            assertThat(counted.getOrDefault(state, new AtomicLong()).get()).as(state)
                    .isEqualTo(h.n("SELECT count(*) AS n FROM webhook_deliveries WHERE state = '" + state + "'"));
        }
        assertThat(last.take()).as("nothing left to count").isEqualTo(EventCounts.Taken.NONE);
    }

    private static void addOutcomes(EventCounts.Taken taken, Map<String, AtomicLong> counted) {
        taken.counts().stream().filter(c -> c.kind() == EventCounts.Kind.WEBHOOK)
                .forEach(c -> counted.computeIfAbsent(c.status(), s -> new AtomicLong()).addAndGet(c.events()));
    }

    private static long add(EventCounts.Taken taken, AtomicLong joins, AtomicLong onTime) {
        onTime.addAndGet(taken.scheduledOnTime());
        return joins.addAndGet(taken.scheduledJoins());
    }
}
