package io.botfleet.deployment;

import io.botfleet.store.Params;
import io.botfleet.store.Row;
import io.botfleet.store.Sql;
import java.util.Optional;

/**
 * The first answer to a deploy that carried an Idempotency-Key (as the IETF Idempotency-Key
 * draft and Stripe keep it): written once, after the answer is known; a repeat of the request
 * is answered with it. One statement each, and only for requests with a key.
 */
public final class FirstAnswers {

    /** An HTTP answer: its status code and its JSON body. */
    public record Answer(int status, String body) {
    }

    private final Sql sql;

    public FirstAnswers(Sql sql) {
        this.sql = sql;
    }

    /** Keeps this answer as the bot's first, unless one is kept already (a concurrent repeat lost). */
    public void keep(long botId, Answer answer) {
        sql.update("""
                UPDATE bots SET first_answer_status = :status, first_answer = :body::jsonb
                WHERE id = :id AND idempotency_key IS NOT NULL AND first_answer IS NULL""",
                Params.of("id", botId).and("status", answer.status()).and("body", answer.body()));
    }

    /** The kept answer; empty when the first request ended before it could keep one. */
    public Optional<Answer> of(long botId) {
        Row row = sql.queryOne("SELECT first_answer_status, first_answer::text AS body FROM bots WHERE id = :id",
                Params.of("id", botId));
        return row == null || row.getString("body") == null ? Optional.empty()
                : Optional.of(new Answer(Math.toIntExact(row.getLong("first_answer_status")), row.getString("body")));
    }
}
