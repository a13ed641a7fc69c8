package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Listing by keyset pages and each bot's history, on both SQL adapters. */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class BotHistoryTest {
    private static final String INSERT = """
            INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, updated_at)
            SELECT 'acme', 'bot', '{"platform": "zoom", "url": "https://zoom.us/j/1"}'::jsonb, 'zoom', '{}'::jsonb,
                   'DONE', now()
            FROM generate_series(1, :n)""";

    private final TestDatabase.Adapter adapter;

    BotHistoryTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @Test
    void pagingThroughAThousandBotsWhileAHundredAreAddedReturnsEachOnce() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Sql sql = db.sql(2);
            sql.update(INSERT, Params.of("n", 1000));
            List<Long> original = sql.query("SELECT id FROM bots", Params.of()).stream().map(r -> r.getLong("id")).toList();
            BotHistory history = new BotHistory(sql, new BotStore(sql, Clock.systemUTC()));

            Map<Long, Integer> seen = new HashMap<>();
            Long cursor = null;
            int pages = 0;
            do {
                BotHistory.Page page = history.list(new BotHistory.Filter(null, null, "acme", null, cursor, 37));
                page.bots().forEach(b -> seen.merge(b.id(), 1, Integer::sum));
                if (pages++ % 3 == 0 && pages < 30) {
                    sql.update(INSERT, Params.of("n", 10)); // 100 more, between pages
                }
                cursor = page.nextBefore();
            } while (cursor != null);

            assertThat(db.count("SELECT count(*) AS n FROM bots")).isEqualTo(1100);
            assertThat(seen.values()).as("no bot twice").containsOnly(1);
            assertThat(seen.keySet()).as("every bot that was there").containsAll(original);
        }
    }

    /**
     * Bots made since a time page by creation time (read on its index, not by walking ids through
     * the history before the window): each once, newest first, ties (bots made in the same instant)
     * by id, and bots made while the client pages come before its first page.
     */
    @Test
    void pagingTheBotsMadeSinceATimeReturnsEachOnceNewestFirst() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            Sql sql = db.sql(2);
            // 600 bots over 10 days, three at each instant, ids not in creation order
            sql.update("""
                    INSERT INTO bots (tenant, display_name, meeting, meeting_platform, automatic_leave, status, created_at,
                                      updated_at)
                    SELECT 'acme', 'bot', '{"platform": "zoom", "url": "https://zoom.us/j/1"}'::jsonb, 'zoom', '{}'::jsonb,
                           'DONE', now() - interval '10 days' + ((g * 7919) % 200) * interval '72 minutes', now()
                    FROM generate_series(1, 600) g""", Params.of());
            Instant since = Instant.now().minus(Duration.ofDays(5));
            List<Long> expected = sql.query("SELECT id FROM bots WHERE created_at > :since ORDER BY created_at DESC, id DESC",
                    Params.of("since", since)).stream().map(r -> r.getLong("id")).toList();
            BotHistory history = new BotHistory(sql, new BotStore(sql, Clock.systemUTC()));

            List<Long> listed = new ArrayList<>();
            Long cursor = null;
            do {
                BotHistory.Page page = history.list(new BotHistory.Filter(BotStatus.DONE, null, null, since, cursor, 17));
                page.bots().forEach(b -> listed.add(b.id()));
                sql.update(INSERT, Params.of("n", 2)); // made now, between pages
                cursor = page.nextBefore();
            } while (cursor != null);

            assertThat(expected).hasSizeGreaterThan(250);
            assertThat(listed).as("the bots made since then, newest first, each once").isEqualTo(expected);
        }
    }

    @Test
    void everyStatusChangeIsRecordedInOrderByTheStatementThatMadeIt() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            FakePlatform k8s = new FakePlatform("k8s");
            Services services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "1")),
                    db.sql(2), List.of(k8s), Clock.systemUTC());
            long first = services.deployments().deploy(Fixtures.config(), null).botId();
            long second = services.deployments().deploy(Fixtures.config(), null).botId();
            BotTokens tokens = new BotTokens(Fixtures.SECRET);
            services.deployments().report(first, tokens.tokenFor(first), BotStatus.IN_CALL, null);
            services.deployments().report(first, tokens.tokenFor(first), BotStatus.IN_CALL, null); // no change
            services.deployments().report(first, tokens.tokenFor(first), BotStatus.DONE, null);
            services.deployments().stop(second);

            List<String> changes = new ArrayList<>();
            services.history().events(first).orElseThrow()
                    .forEach(e -> changes.add(e.previousStatus() + "->" + e.status()));
            assertThat(changes).containsExactly("null->QUEUED", "QUEUED->DEPLOYING", "DEPLOYING->IN_CALL", "IN_CALL->DONE");
            assertThat(services.history().events(second).orElseThrow()).extracting(BotHistory.Event::status)
                    .containsExactly("QUEUED", "DONE");
            assertThat(services.history().events(999_999)).isEmpty();
        }
    }
}
