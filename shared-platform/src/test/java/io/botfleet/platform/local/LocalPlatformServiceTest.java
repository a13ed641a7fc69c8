package io.botfleet.platform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes: a command that ignores nothing, and one that ignores SIGTERM. */
class LocalPlatformServiceTest {
    @TempDir
    Path logs;

    private LocalPlatformService platform(String command) {
        return new LocalPlatformService(new BotEnvironment("http://127.0.0.1:1", new BotTokens(Fixtures.SECRET)),
                new LocalPlatformService.Launch(command, Duration.ofSeconds(1), Duration.ofSeconds(1),
                        Duration.ofMillis(500), logs));
    }

    private static Bot bot(long id) {
        return new Bot(id, Fixtures.config(), BotStatus.QUEUED, null, null, null, null, null, null, null);
    }

    @Test
    void aBotGetsItsOwnEnvironmentAndDeployingTwiceStartsOneProcess() throws Exception {
        LocalPlatformService local = platform("echo \"$BOT_ID $MEETING_PLATFORM ${#BOT_TOKEN}\"; sleep 30");
        String first = local.deployBot(bot(7)).identifier();
        String again = local.deployBot(bot(7)).identifier();
        assertThat(again).isEqualTo(first);
        assertThat(local.getBotStatus(first)).isEqualTo(PlatformBotStatus.RUNNING);
        waitFor(() -> Files.readString(logs.resolve("bot-7.log")).contains("7 zoom 43"));
        local.stopBot(first);
        waitFor(() -> local.getBotStatus(first) == PlatformBotStatus.STOPPED);
    }

    @Test
    void aBotThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        LocalPlatformService local = platform("trap '' TERM; while true; do sleep 0.1; done");
        String id = local.deployBot(bot(8)).identifier();
        Thread.sleep(300); // let the shell install its trap
        local.stopBot(id);
        Thread.sleep(200);
        assertThat(local.getBotStatus(id)).as("still running within the grace period").isEqualTo(PlatformBotStatus.RUNNING);
        waitFor(() -> local.getBotStatus(id) == PlatformBotStatus.STOPPED);
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void waitFor(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as("condition reached in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
