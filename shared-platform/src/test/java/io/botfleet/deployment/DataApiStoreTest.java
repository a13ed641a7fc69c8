package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.store.JdbcSql;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What only the Data API path can get wrong: a cluster that is resuming, and the types on the wire. */
class DataApiStoreTest {
    private final TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API);
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final MutableClock clock = new MutableClock();
    private final Services services = Fixtures.services(Fixtures.twoPlatforms(2, 1), db.sql(2),
            List.of(k8s, new FakePlatform("aws")), clock);

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aResumingClusterIsWaitedForAndTheDeployHappensOnce() {
        db.dataApi().failNext(2, "DatabaseResumingException");
        DeployOutcome outcome = services.deployments().deploy(Fixtures.config(), "resume-1");

        assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(db.dataApi().calls("ExecuteStatement")).as("2 refused + admit, claim, record").isEqualTo(5);
        assertThat(db.count("SELECT count(*) AS n FROM bots")).isEqualTo(1);
        assertThat(k8s.starts()).containsExactly(java.util.Map.entry(outcome.botId(), 1));
        assertThat(db.count("SELECT used AS n FROM platform_capacity WHERE platform = 'k8s'")).isEqualTo(1);
    }

    /**
     * The service may answer DatabaseUnavailableException or ServiceUnavailableError after a
     * statement ran (a failover after commit), and the adapter repeats those calls: every write
     * is safe to repeat. An admission repeated finds its own bot by its request key; a claim
     * repeated grants nothing more (the bot then waits, pinned, for its resume); a status change
     * repeated finds it done.
     */
    @ParameterizedTest
    @ValueSource(strings = {"INSERT INTO bots", "UPDATE platform_capacity", "jsonb_to_recordset"})
    void aWriteRepeatedAfterItCommittedDoesNoHarm(String statement) {
        db.dataApi().failNextAfterCommit(1, "DatabaseUnavailableException", statement);
        DeployOutcome outcome = services.deployments().deploy(Fixtures.config(), null);
        clock.advance(java.time.Duration.ofMinutes(1)); // a claim whose answer was lost is resumed after its call timeout
        services.hybrid().processQueue("drainer", java.time.Duration.ofSeconds(10));

        assertThat(db.count("SELECT count(*) AS n FROM bots")).as("bots").isEqualTo(1);
        assertThat(k8s.starts()).containsExactly(java.util.Map.entry(outcome.botId(), 1));
        assertThat(services.bots().find(outcome.botId()).platformIdentifier()).isEqualTo("k8s-" + outcome.botId());
        assertThat(db.count("SELECT used AS n FROM platform_capacity WHERE platform = 'k8s'")).isEqualTo(1);
        services.deployments().report(outcome.botId(), new io.botfleet.bot.BotTokens(Fixtures.SECRET)
                .tokenFor(outcome.botId()), BotStatus.DONE, null);
        assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).isZero();
    }

    @Test
    void aStatusChangeRepeatedAfterItCommittedIsAcceptedOnce() {
        long id = services.deployments().deploy(Fixtures.config(), null).botId();
        db.dataApi().failNextAfterCommit(1, "ServiceUnavailableError", "SET status = :to");
        var done = services.deployments().report(id, new io.botfleet.bot.BotTokens(Fixtures.SECRET).tokenFor(id),
                BotStatus.DONE, null);
        assertThat(done.result()).isEqualTo(BotDeploymentService.CallbackResult.ACCEPTED);
        assertThat(db.count("SELECT sum(used) AS n FROM platform_capacity")).isZero();
    }

    /** DDL answers carry no record count; the adapter counts that as 0. */
    @Test
    void aStatementWhoseAnswerHasNoRecordCountUpdatesZero() {
        assertThat(db.sql(1).update("CREATE INDEX probe_by_tenant ON bots (tenant)", io.botfleet.store.Params.of())).isZero();
    }

    /**
     * The adapter does not repeat a call that may have run; the admission is repeated by the
     * service, whose request key makes a repeat find the bot a run that did commit made.
     */
    @Test
    void aFailureThatMayHaveRunTheStatementIsRepeatedOnlyWhereRepeatingIsSafe() {
        db.dataApi().failNext(1, "InternalServerErrorException");
        DeployOutcome outcome = services.deployments().deploy(Fixtures.config(), null);
        assertThat(outcome.status()).isEqualTo(BotStatus.DEPLOYING);
        assertThat(db.dataApi().calls("ExecuteStatement")).as("1 failed + admit, claim, record").isEqualTo(4);
        assertThat(db.count("SELECT count(*) AS n FROM bots")).isEqualTo(1);
        assertThat(k8s.starts()).hasSize(1);
    }

    @Test
    void aFullRoundOfTheLargestConfigurationsFitsOneDataApiResponse() {
        String url = "https://zoom.us/j/" + "9".repeat(2048 - "https://zoom.us/j/".length());
        String controls = "\u0001".repeat(255); // stored JSON escapes each as six bytes
        BotConfig largest = new BotConfig(new Meeting(MeetingPlatform.ZOOM, url, controls, controls), "€".repeat(255),
                url, true, AutomaticLeave.DEFAULT, null, null, url, "t".repeat(128), 0);
        int round = io.botfleet.config.Settings.MAX_DRAIN_BATCH_SIZE;
        for (int i = 0; i < round; i++) {
            services.admissions().admit(largest, null, "f".repeat(64),
                    new Admissions.Admission(null, java.time.Duration.ofMinutes(10), null, null, "round-" + i, Map.of(), null));
        }
        List<Bot> claimed = services.queue().claim("drainer", round, java.time.Duration.ofMinutes(1));
        assertThat(claimed).hasSize(round);
        assertThat(claimed.get(round - 1).config()).isEqualTo(largest);
    }

    @Test
    void everyColumnTypeRoundTripsThroughTheDataApiInASessionThatIsNotInUtc() {
        db.dataApi().sessionTimeZone("Asia/Kolkata"); // a cluster parameter group may set any zone
        String longUrl = "https://meet.google.com/" + "a".repeat(2048 - "https://meet.google.com/".length());
        Instant start = OffsetDateTime.parse("2026-12-24T18:30:00.123+05:30").toInstant();
        BotConfig config = new BotConfig(
                new Meeting(MeetingPlatform.GOOGLE_MEET, longUrl, "abc-defg-hij", "pässwörd \"quoted\" \\ ✓"),
                "N".repeat(255), longUrl, true, new AutomaticLeave(1, 2, 3, 86_400_000), start, start.plusSeconds(3600),
                longUrl, "tenant.with-dots_1", -100);

        long id = services.admissions().admit(config, "k".repeat(255), "f".repeat(64),
                new Admissions.Admission(start.minusSeconds(300), java.time.Duration.ofMinutes(10), null, null, "types",
                        Map.of("k8s", 2), null)).id();
        Bot viaDataApi = services.bots().find(id);
        Bot viaJdbc = new BotStore(new JdbcSql(db.pool(1)), clock).find(id);

        assertThat(viaDataApi.config()).isEqualTo(config);
        assertThat(viaDataApi).isEqualTo(viaJdbc);
        assertThat(viaDataApi.createdAt()).isEqualTo(clock.instant());
        assertThat(viaDataApi.lastHeartbeat()).isNull();
        assertThat(viaDataApi.config().startTime()).isEqualTo(Instant.parse("2026-12-24T13:00:00.123Z"));
        assertThat(services.queue().find(id).notBefore()).isEqualTo(start.minusSeconds(300));
    }

    /** Both adapters keep an instant to the millisecond (what the Data API carries), so they store the same one. */
    @Test
    void aMicrosecondInstantIsStoredAlikeThroughBothAdapters() {
        Instant precise = Instant.parse("2026-12-24T13:00:00.123456Z");
        BotConfig config = Fixtures.config(precise);
        Admissions.Admission admission = new Admissions.Admission(null, java.time.Duration.ofMinutes(10), null, null, "a",
                Map.of(), null);
        long viaDataApi = services.admissions().admit(config, null, "f", admission).id();
        JdbcSql direct = new JdbcSql(db.pool(1));
        BotStore jdbc = new BotStore(direct, clock);
        long viaJdbc = new Admissions(direct, clock, services.calendar()).admit(config, null, "f",
                new Admissions.Admission(null, java.time.Duration.ofMinutes(10), null, null, "b", Map.of(), null)).id();
        assertThat(jdbc.find(viaDataApi).config().startTime()).isEqualTo(Instant.parse("2026-12-24T13:00:00.123Z"))
                .isEqualTo(jdbc.find(viaJdbc).config().startTime());
    }
}
