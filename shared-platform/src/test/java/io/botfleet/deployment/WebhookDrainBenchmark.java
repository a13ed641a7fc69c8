package io.botfleet.deployment;

import io.botfleet.platform.Budget;
import io.botfleet.store.CountingSql;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Locale;
import okhttp3.Dns;

/**
 * How fast one drain clears a webhook backlog: 100 bots with 4 webhooks each, to a local receiver
 * answering every delivery after 50 ms, on each adapter (the Data API endpoint waits 20 ms per
 * call, a realistic in-region figure). Prints deliveries/s and statements per delivery. Run from
 * the repository root:
 * {@code mvn -q -pl shared-platform test-compile exec:java -Dexec.mainClass=io.botfleet.deployment.WebhookDrainBenchmark -Dexec.classpathScope=test}
 */
public final class WebhookDrainBenchmark {
    private static final int BOTS = 100;
    private static final int EVENTS = 4;
    private static final Duration ANSWER = Duration.ofMillis(50);
    private static final Duration DATA_API_LATENCY = Duration.ofMillis(20);

    private WebhookDrainBenchmark() {
    }

    public static void main(String[] args) {
        System.setProperty("botfleet.log.level", "WARN");
        System.out.printf(Locale.ROOT, "== webhook drain: %d bots x %d webhooks, receiver answers in %d ms ==%n",
                BOTS, EVENTS, ANSWER.toMillis());
        for (TestDatabase.Adapter adapter : TestDatabase.Adapter.values()) {
            run(adapter);
        }
        System.exit(0);
    }

    private static void run(TestDatabase.Adapter adapter) {
        MutableClock clock = new MutableClock();
        try (TestDatabase db = TestDatabase.fresh(adapter); WebhookReceiver receiver = new WebhookReceiver(ANSWER)) {
            new OutboxFill(db).bots(BOTS, EVENTS, receiver.url(), clock.instant());
            CountingSql sql = new CountingSql(db.sql(10)); // the local runner's pool
            if (adapter == TestDatabase.Adapter.DATA_API) {
                db.dataApi().latency(DATA_API_LATENCY);
            }
            Webhooks webhooks = new Webhooks(new WebhookDeliveries(sql, clock),
                    new WebhookSender(Fixtures.WEBHOOK_SECRET, true, clock, Duration.ofSeconds(10), Dns.SYSTEM));
            long start = System.nanoTime();
            int sent = 0;
            for (int round; (round = webhooks.sendDue(Budget.of(Duration.ofMinutes(10)))) > 0; ) {
                sent += round;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%-8s %d delivered (%d arrived) in %.2f s: %.0f deliveries/s, %.2f statements each%n",
                    adapter, sent, receiver.requests(), seconds, sent / seconds, (double) sql.statements() / sent);
        }
    }
}
