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
 *
 * <p>A claim reads only each bot's head ({@code webhook_heads}: the one delivery of the bot that
 * may go next, kept by the outbox's triggers), so it costs the batch, not the backlog behind the
 * heads. A bot has at most one delivery out at a time; different bots' go in parallel.
 *
 * <p>A receiver (a callback URL's origin: scheme, host and port) that fails
 * {@link #PAUSE_AFTER_FAILURES} attempts in a row over at least {@link #PAUSE_AFTER} is paused:
 * its deliveries stay pending, keep their attempts and are not claimed; one of them goes as a
 * probe every {@link #PROBE_EVERY}, and the first answer (a 2xx or 410, probe or not) resumes it,
 * making its whole backlog due at once.
 */
public final class WebhookDeliveries {
    /** The waits before the 2nd to 7th attempt: about 5 s, 5 m, 30 m, 2 h, 5 h, 10 h; then it has failed. */
    static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10));
    /** Longer than a send may take, so a lease outlives its send. */
    static final Duration LEASE = WebhookSender.TIMEOUT.multipliedBy(3);
    /**
     * Failed attempts in a row (no answer, or one other than 2xx and 410; across all the
     * receiver's bots) that pause a receiver, together with {@link #PAUSE_AFTER}. A pause loses
     * nothing (deliveries keep their attempts) and costs a recovered receiver at most one
     * {@link #PROBE_EVERY}, while a receiver that does not answer costs a send timeout (10 s) per
     * delivery: so pause soon, but not on a blip (a restart of the receiver fails many deliveries
     * within seconds).
     */
    static final int PAUSE_AFTER_FAILURES = 10;
    /** How long the failures in a row must span before they pause the receiver. */
    static final Duration PAUSE_AFTER = Duration.ofMinutes(1);
    /** How often a paused receiver gets one delivery (if one is due by its own backoff) as a probe: the drain's period. */
    static final Duration PROBE_EVERY = Duration.ofMinutes(1);

    /** One delivery to make, with what its body says, and the lease it was claimed under. */
    public record Due(long eventId, long botId, String url, int attempt, String status, String previousStatus,
                      String reason, String platform, Instant at, String leaseOwner, Long lateByMs) {
    }

    /** One delivery as {@code GET /bots/{id}/webhooks} shows it. */
    public record Attempted(long eventId, String status, String state, int attempts, String lastAnswer,
                            Instant answeredAt, Instant nextAttemptAt) {
    }

    /**
     * What recording a send did: whether the lease still held (else nothing changed); the
     * delivery's state now and when it goes again (null unless it is still PENDING); and the
     * receiver this answer paused or resumed (its origin), or null.
     */
    public record Recorded(boolean held, String state, Instant nextAttemptAt, String paused, String resumed) {
        /** A record that changed nothing. */
        static Recorded notHeld() {
            return new Recorded(false, null, null, null, null);
        }
    }

    /** Leases the heads in {@code leased} and returns their deliveries (the end of every claim). */
    private static final String LEASE_DELIVERIES = """
            UPDATE webhook_deliveries w SET lease_until = :leaseUntil, lease_owner = :owner, attempts = w.attempts + 1
            FROM leased, bot_events ev
            WHERE w.bot_id = leased.bot_id AND w.seq = leased.next_seq AND w.state = 'PENDING' AND ev.id = w.event_id
            RETURNING w.event_id, w.bot_id, w.url, w.attempts, ev.status, ev.previous_status, ev.reason, ev.platform, ev.at,
                      w.lease_owner, ev.late_by_ms""";

    // Due heads, in due order, up to the batch (an index range: the deliveries behind them are not
    // read). A head whose receiver is paused is not sent: its receiver's pending heads are set
    // aside instead (paused), under a share lock on the receiver's row, so a resume either comes
    // first (and nothing is set aside) or waits and then releases them. A leased head is due again
    // when its lease ends.
    private static final String CLAIM = """
            WITH ready AS (
              SELECT h.bot_id, h.origin FROM webhook_heads h
              WHERE h.due_at <= :now AND NOT h.paused %s
              ORDER BY h.due_at LIMIT :n FOR UPDATE SKIP LOCKED),
            receiver_paused AS (
              SELECT r.origin FROM webhook_receivers r
              WHERE r.origin IN (SELECT origin FROM ready) AND r.paused_until IS NOT NULL FOR SHARE),
            set_aside AS (
              UPDATE webhook_heads h SET paused = true
              FROM receiver_paused r CROSS JOIN LATERAL (
                SELECT p.bot_id FROM webhook_heads p WHERE p.origin = r.origin AND p.due_at IS NOT NULL AND NOT p.paused
                FOR UPDATE SKIP LOCKED) p
              WHERE h.bot_id = p.bot_id),
            leased AS (
              UPDATE webhook_heads h SET due_at = :leaseUntil FROM ready
              WHERE h.bot_id = ready.bot_id AND ready.origin NOT IN (SELECT origin FROM receiver_paused)
              RETURNING h.bot_id, h.next_seq)
            """ + LEASE_DELIVERIES;
    private static final String CLAIM_DUE = CLAIM.formatted("");
    private static final String CLAIM_OF_BOT = CLAIM.formatted("AND h.bot_id = :bot");

    // Paused receivers whose probe is due: the next probe is set an interval on, and one head due
    // by its own backoff is leased as the probe. Resumed receivers: their paused heads are
    // released (due now), and the receiver is forgotten once none is left and none has failed since.
    private static final String PROBE_AND_RELEASE = """
            WITH probed AS (
              UPDATE webhook_receivers r SET paused_until = :probeAgain
              WHERE r.origin IN (SELECT origin FROM webhook_receivers WHERE paused_until <= :now
                                 ORDER BY paused_until LIMIT :n FOR UPDATE SKIP LOCKED)
              RETURNING r.origin),
            probe AS (
              SELECT x.bot_id FROM probed CROSS JOIN LATERAL (
                SELECT h.bot_id FROM webhook_heads h WHERE h.origin = probed.origin AND h.due_at <= :now AND h.paused
                ORDER BY h.due_at LIMIT 1 FOR UPDATE SKIP LOCKED) x),
            resumed AS (
              SELECT origin, failures FROM webhook_receivers WHERE resumed AND paused_until IS NULL
              LIMIT :n FOR UPDATE SKIP LOCKED),
            released AS (
              UPDATE webhook_heads h SET paused = false, due_at = LEAST(h.due_at, :now)
              FROM resumed r CROSS JOIN LATERAL (
                SELECT p.bot_id FROM webhook_heads p WHERE p.origin = r.origin AND p.due_at IS NOT NULL AND p.paused
                FOR UPDATE SKIP LOCKED) p
              WHERE h.bot_id = p.bot_id
              RETURNING h.origin),
            forgotten AS (
              DELETE FROM webhook_receivers r USING resumed
              WHERE r.origin = resumed.origin AND resumed.failures = 0
                AND (SELECT count(*) FROM webhook_heads p WHERE p.origin = r.origin AND p.due_at IS NOT NULL AND p.paused)
                    = (SELECT count(*) FROM released WHERE released.origin = r.origin)),
            leased AS (
              UPDATE webhook_heads h SET due_at = :leaseUntil FROM probe WHERE h.bot_id = probe.bot_id
              RETURNING h.bot_id, h.next_seq)
            """ + LEASE_DELIVERIES;

    // What a send got, fenced by the sender's lease: a sender whose lease ran out changes nothing.
    // The bot's head is locked first, in the order a claim locks (head, then delivery). Ending a
    // delivery advances the head (the outbox's trigger); a 410 also ends the bot's later pending
    // deliveries to that URL. An answer (2xx, 410) resumes the receiver; a failure counts towards
    // pausing it (a refusal to send is no failure of the receiver).
    private static final String RECORD = """
            WITH head AS (
              SELECT bot_id FROM webhook_heads WHERE bot_id = :bot FOR UPDATE),
            held AS (
              UPDATE webhook_deliveries w SET state = :state, last_answer = :answer, answered_at = :now,
                     next_attempt_at = COALESCE(:next, w.next_attempt_at), lease_until = NULL, lease_owner = NULL
              FROM head WHERE w.event_id = :id AND w.bot_id = head.bot_id AND w.lease_owner = :owner
              RETURNING w.bot_id, w.url, botfleet_webhook_origin(w.url) AS origin),
            gone AS (
              UPDATE webhook_deliveries w SET state = 'GONE', last_answer = 'not sent: the URL answered 410 Gone',
                     answered_at = :now
              FROM held
              WHERE :state = 'GONE' AND w.bot_id = held.bot_id AND w.url = held.url AND w.state = 'PENDING'
                AND w.event_id <> :id),
            before AS (
              SELECT r.origin, r.paused_until FROM webhook_receivers r JOIN held ON r.origin = held.origin),
            answered AS (
              UPDATE webhook_receivers r SET failures = 0, failing_since = NULL, paused_until = NULL, resumed = true
              FROM held WHERE :receiver = 'ANSWERED' AND r.origin = held.origin
              RETURNING r.origin),
            failed AS (
              INSERT INTO webhook_receivers AS r (origin, failures, failing_since)
              SELECT origin, 1, :now FROM held WHERE :receiver = 'FAILED'
              ON CONFLICT (origin) DO UPDATE SET failures = r.failures + 1,
                failing_since = COALESCE(r.failing_since, EXCLUDED.failing_since),
                paused_until = CASE WHEN r.paused_until IS NULL AND r.failures + 1 >= :pauseAfterFailures
                                         AND r.failing_since <= :pausingSince THEN :probeAt ELSE r.paused_until END
              RETURNING r.origin, r.paused_until)
            SELECT (SELECT count(*) FROM held) AS held,
                   (SELECT f.origin FROM failed f LEFT JOIN before b ON b.origin = f.origin
                    WHERE f.paused_until IS NOT NULL AND b.paused_until IS NULL) AS paused,
                   (SELECT a.origin FROM answered a JOIN before b ON b.origin = a.origin
                    WHERE b.paused_until IS NOT NULL) AS resumed""";

    private final Sql sql;
    private final Clock clock;

    public WebhookDeliveries(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Up to {@code n} due deliveries (of one bot, or of any when {@code botId} is null), leased to the caller. */
    public List<Due> claim(Long botId, int n) {
        return lease(botId == null ? CLAIM_DUE : CLAIM_OF_BOT, n, botId, Params.of());
    }

    /**
     * One probe delivery for each of up to {@code n} paused receivers whose probe is due, leased to
     * the caller; and the paused deliveries of receivers that answered again released, due now.
     */
    public List<Due> probeAndRelease(int n) {
        return lease(PROBE_AND_RELEASE, n, null, Params.of("probeAgain", clock.instant().plus(PROBE_EVERY)));
    }

    private List<Due> lease(String statement, int n, Long botId, Params more) {
        Instant now = clock.instant();
        String owner = UUID.randomUUID().toString(); // names this one claim: its records are fenced by it
        Params params = more.and("now", now).and("leaseUntil", now.plus(LEASE)).and("owner", owner).and("n", n);
        return sql.query(statement, botId == null ? params : params.and("bot", botId)).stream()
                .map(WebhookDeliveries::toDue).toList();
    }

    /**
     * What a send got: a 2xx delivers it; 410 Gone ends it and every later one of that bot to
     * that URL; anything else is retried after the next wait, or has failed after the last.
     * Recorded only while the delivery is still leased to {@code due}'s claim; not held when the
     * lease ran out and another sender took the delivery (then this changed nothing).
     */
    public Recorded record(Due due, WebhookSender.Sent sent) {
        Instant now = clock.instant();
        boolean refused = sent.answer().startsWith("not sent");
        boolean answered = sent.delivered() || sent.status() == 410;
        boolean last = due.attempt() > BACKOFF.size() || refused;
        String state = sent.delivered() ? "DELIVERED" : sent.status() == 410 ? "GONE" : last ? "FAILED" : "PENDING";
        Instant next = answered ? null : last ? now : now.plus(BACKOFF.get(due.attempt() - 1));
        Row row = sql.queryOne(RECORD, Params.of("id", due.eventId()).and("bot", due.botId()).and("owner", due.leaseOwner())
                .and("answer", sent.answer()).and("now", now).and("state", state).and("next", next)
                .and("receiver", answered ? "ANSWERED" : refused ? "REFUSED" : "FAILED")
                .and("pauseAfterFailures", PAUSE_AFTER_FAILURES).and("pausingSince", now.minus(PAUSE_AFTER))
                .and("probeAt", now.plus(PROBE_EVERY)));
        return new Recorded(row.getLong("held") > 0, state, state.equals("PENDING") ? next : null, row.getString("paused"),
                row.getString("resumed"));
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
                r.getInstant("at"), r.getString("lease_owner"), r.getLong("late_by_ms"));
    }
}
