package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.BotDeploymentService.ConfigResult;
import io.botfleet.deployment.BotDeploymentService.OwnConfig;
import io.botfleet.store.CountingSql;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A bot's token opens its configuration (with the meeting's password) only while the bot may
 * still run: once it ended, the token is dead for it, decided in the one read that would return it.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class OwnConfigTest {
    private final MutableClock clock = new MutableClock();
    private final FakePlatform k8s = new FakePlatform("k8s");
    private final FakePlatform aws = new FakePlatform("aws");
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);
    private final TestDatabase.Adapter adapter;
    private TestDatabase db;
    private CountingSql sql;
    private Services services;

    OwnConfigTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @BeforeEach
    void start() {
        db = TestDatabase.fresh(adapter);
        sql = new CountingSql(db.sql(4));
        services = Fixtures.services(Fixtures.twoPlatforms(3, 1), sql, List.of(k8s, aws), clock);
    }

    @AfterEach
    void stop() {
        db.close();
    }

    /** The answer, and how many statements it took. */
    private record Read(OwnConfig own, long statements) {
    }

    private Read read(long id, String token) {
        long before = sql.statements();
        OwnConfig own = services.deployments().ownConfig(id, token);
        return new Read(own, sql.statements() - before);
    }

    @Test
    void aRunningBotReadsItsConfigInOneStatement() {
        long id = services.deployments().deploy(Fixtures.config(), null).botId();
        Read read = read(id, tokens.tokenFor(id));
        assertThat(read.own().result()).isEqualTo(ConfigResult.ACCEPTED);
        assertThat(read.own().config().meeting().url()).isEqualTo("https://zoom.us/j/123456789");
        assertThat(read.statements()).isEqualTo(1);
    }

    @Test
    void anEndedBotsTokenNoLongerOpensItsConfig() {
        for (BotStatus end : List.of(BotStatus.DONE, BotStatus.FATAL)) {
            long id = services.deployments().deploy(Fixtures.config(), null).botId();
            assertThat(services.deployments().report(id, tokens.tokenFor(id), end, null).result())
                    .isEqualTo(BotDeploymentService.CallbackResult.ACCEPTED);
            Read read = read(id, tokens.tokenFor(id));
            assertThat(read.own().result()).as("after " + end).isEqualTo(ConfigResult.ENDED);
            assertThat(read.own().config()).as("nothing of the config leaves").isNull();
            assertThat(read.own().status()).isEqualTo(end);
            assertThat(read.statements()).as("the end is decided on the row the config would come from").isEqualTo(1);
        }
    }

    @Test
    void aStoppedBotsTokenNoLongerOpensItsConfig() {
        long id = services.deployments().deploy(Fixtures.config(), null).botId();
        assertThat(services.deployments().stop(id).status()).isEqualTo(BotStatus.DONE);
        assertThat(read(id, tokens.tokenFor(id)).own().result()).isEqualTo(ConfigResult.ENDED);
    }

    @Test
    void aWrongTokenReadsNothingAndAMissingBotIsNotFound() {
        long id = services.deployments().deploy(Fixtures.config(), null).botId();
        Read forged = read(id, tokens.tokenFor(id + 1));
        assertThat(forged.own().result()).isEqualTo(ConfigResult.UNAUTHORIZED);
        assertThat(forged.statements()).isZero();
        assertThat(read(id + 1, tokens.tokenFor(id + 1)).own().result()).isEqualTo(ConfigResult.NOT_FOUND);
    }
}
