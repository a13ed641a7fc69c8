package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The webhook outbox ({@code webhook_deliveries}, filled by the statement that changes a bot's
 * status): which are due, in each bot's order, leased so two drainers never send one at once;
 * and what each send got, recorded only by the holder of the lease.
 */
public final class WebhookDeliveries {
    /** The waits before the 2nd to 7th attempt: about 5 s, 5 m, 30 m, 2 h, 5 h, 10 h; then it has failed. */
    static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10));
    /** Longer than a send may take, so a lease outlives its send. */
    static final Duration LEASE = WebhookSender.TIMEOUT.multipliedBy(3);

    /** One delivery to make, with what its body says, and the lease it was claimed under. */
    public record Due(long eventId, long botId, String url, int attempt, String status, String previousStatus,
                      String reason, String platform, Instant at, String leaseOwner) {
    }

    /** One delivery as {@code GET /bots/{id}/webhooks} shows it. */
    public record Attempted(long eventId, String status, String state, int attempts, String lastAnswer,
                            Instant answeredAt, Instant nextAttemptAt) {
    }

    // Due: pending, its time come, not leased, and no earlier pending event of the same bot (order).
    private static final String CLAIM = """
            WITH due AS (
              SELECT d.event_id FROM webhook_deliveries d
              WHERE d.state = 'PENDING' AND d.next_attempt_at <= :now
                AND (d.lease_until IS NULL OR d.lease_until < :now)
                AND (CAST(:bot AS bigint) IS NULL OR d.bot_id = :bot)
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                WHERE e.bot_id = d.bot_id AND e.event_id < d.event_id AND e.state = 'PENDING')
              ORDER BY d.next_attempt_at, d.event_id LIMIT :n FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries w SET lease_until = :leaseUntil, lease_owner = :owner, attempts = w.attempts + 1
            FROM due, bot_events ev
            WHERE w.event_id = due.event_id AND ev.id = w.event_id
            RETURNING w.event_id, w.bot_id, w.url, w.attempts, ev.status, ev.previous_status, ev.reason, ev.platform, ev.at,
                      w.lease_owner""";

    // 2xx or 410, fenced by the sender's lease: a sender whose lease ran out changes nothing. A 410
    // also ends the bot's later pending deliveries to that URL, only if this one was still held.
    private static final String RECORD_END = """
            WITH held AS (
              UPDATE webhook_deliveries SET state = :state, last_answer = :answer, answered_at = :now,
                     lease_until = NULL, lease_owner = NULL
              WHERE event_id = :id AND lease_owner = :owner
              RETURNING bot_id, url),
            gone AS (
              UPDATE webhook_deliveries w SET state = 'GONE', last_answer = 'not sent: the URL answered 410 Gone',
                     answered_at = :now
              FROM held
              WHERE :state = 'GONE' AND w.bot_id = held.bot_id AND w.url = held.url AND w.state = 'PENDING'
                AND w.event_id <> :id)
            SELECT count(*) AS held FROM held""";

    // A retry or a failure, fenced by the sender's lease like RECORD_END.
    private static final String RECORD_RETRY = """
            UPDATE webhook_deliveries SET state = :state, last_answer = :answer, answered_at = :now,
                   next_attempt_at = :next, lease_until = NULL, lease_owner = NULL
            WHERE event_id = :id AND lease_owner = :owner""";

    private final Sql sql;
    private final Clock clock;

    public WebhookDeliveries(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Up to {@code n} due deliveries (of one bot, or of any when {@code botId} is null), leased to the caller. */
    public List<Due> claim(Long botId, int n) {
        Instant now = clock.instant();
        String owner = UUID.randomUUID().toString(); // names this one claim: its records are fenced by it
        return sql.query(CLAIM, Params.of("now", now).and("leaseUntil", now.plus(LEASE)).and("owner", owner)
                        .and("bot", botId).and("n", n)).stream().map(WebhookDeliveries::toDue).toList();
    }

    /**
     * What a send got: a 2xx delivers it; 410 Gone ends it and every later one of that bot to
     * that URL; anything else is retried after the next wait, or has failed after the last.
     * Recorded only while the delivery is still leased to {@code due}'s claim; false when the
     * lease ran out and another sender took the delivery (then this changed nothing).
     */
    public boolean record(Due due, WebhookSender.Sent sent) {
        Instant now = clock.instant();
        Params params = Params.of("id", due.eventId()).and("owner", due.leaseOwner()).and("answer", sent.answer())
                .and("now", now);
        if (sent.delivered() || sent.status() == 410) {
            Row held = sql.queryOne(RECORD_END, params.and("state", sent.delivered() ? "DELIVERED" : "GONE"));
            return held != null && held.getLong("held") > 0;
        }
        boolean last = due.attempt() > BACKOFF.size() || sent.answer().startsWith("not sent");
        return sql.update(RECORD_RETRY, params.and("state", last ? "FAILED" : "PENDING")
                .and("next", last ? now : now.plus(BACKOFF.get(due.attempt() - 1)))) > 0;
    }

    public List<Attempted> of(long botId) {
        return sql.query("""
                SELECT d.event_id, ev.status, d.state, d.attempts, d.last_answer, d.answered_at, d.next_attempt_at
                FROM webhook_deliveries d JOIN bot_events ev ON ev.id = d.event_id
                WHERE d.bot_id = :bot ORDER BY d.event_id""", Params.of("bot", botId)).stream()
                .map(r -> new Attempted(r.getLong("event_id"), r.getString("status"), r.getString("state"),
                        Math.toIntExact(r.getLong("attempts")), r.getString("last_answer"), r.getInstant("answered_at"),
                        r.getInstant("next_attempt_at"))).toList();
    }

    private static Due toDue(Row r) {
        return new Due(r.getLong("event_id"), r.getLong("bot_id"), r.getString("url"), Math.toIntExact(r.getLong("attempts")),
                r.getString("status"), r.getString("previous_status"), r.getString("reason"), r.getString("platform"),
                r.getInstant("at"), r.getString("lease_owner"));
    }
}
