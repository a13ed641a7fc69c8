package io.botfleet.platform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.SeenContainer;
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
        return new Bot(id, Fixtures.config(), BotStatus.QUEUED, null, null, null, null, null, null, null, 1, null);
    }

    @Test
    void aBotGetsItsOwnEnvironmentAndDeployingTwiceStartsOneProcess() throws Exception {
        LocalPlatformService local = platform("echo \"$BOT_ID $MEETING_PLATFORM ${#BOT_TOKEN}\"; sleep 30");
        String first = local.deployBot(bot(7)).identifier();
        String again = local.deployBot(bot(7)).identifier();
        assertThat(again).isEqualTo(first);
        assertThat(local.getBotStatus(first).state()).isEqualTo(PlatformBotStatus.RUNNING);
        waitFor(() -> Files.readString(logs.resolve("bot-7.log")).contains("7 zoom 43"));
        local.stopBot(7, first);
        assertThat(local.getBotStatus(first).state()).isEqualTo(PlatformBotStatus.STOPPED);
    }

    @Test
    void aBotIsFoundAndStoppedByItsNameAfterARestartOfTheRunner() throws Exception {
        String id = platform("sleep 30").deployBot(bot(9)).identifier();
        LocalPlatformService restarted = platform("sleep 30");
        assertThat(restarted.findBot(9)).contains(id);
        assertThat(restarted.findBot(10)).isEmpty();
        assertThat(restarted.deployBot(bot(9)).identifier()).as("not started twice").isEqualTo(id);
        restarted.stopBot(9, null);
        assertThat(restarted.findBot(9)).isEmpty();
        assertThat(restarted.getBotStatus(id).state()).isEqualTo(PlatformBotStatus.STOPPED);
    }

    /** The reconcile's list: this runner's bots by the name each process carries; a pid that is not a bot's is not one. */
    @Test
    void theListHoldsThisRunnersBotsAndAReusedPidIsNoBot(@TempDir Path elsewhere) throws Exception {
        LocalPlatformService local = platform("sleep 30");
        String a = local.deployBot(bot(11)).identifier();
        String b = local.deployBot(bot(12)).identifier();
        LocalPlatformService otherRunner = new LocalPlatformService(new BotEnvironment("http://127.0.0.1:1",
                new BotTokens(Fixtures.SECRET)), new LocalPlatformService.Launch("sleep 30", Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofMillis(500), elsewhere));
        String other = otherRunner.deployBot(bot(11)).identifier();
        try {
            assertThat(local.listBots().orElseThrow()).extracting(SeenContainer::botId, SeenContainer::identifier)
                    .containsExactlyInAnyOrder(tuple(11L, a), tuple(12L, b));
            String notABot = "local-" + ProcessHandle.current().pid(); // a live process that carries no bot's name
            assertThat(local.getBotStatus(notABot).state()).isEqualTo(PlatformBotStatus.STOPPED);
        } finally {
            local.stopBot(11, a);
            local.stopBot(12, b);
            otherRunner.stopBot(11, other);
        }
        assertThat(local.listBots().orElseThrow()).isEmpty();
    }

    /** A subshell of the bot's command is a copy of its shell, name included: the bot is its shell alone. */
    @Test
    void aSubshellOfTheBotsCommandIsNotTakenForTheBot() throws Exception {
        LocalPlatformService local = platform("(sleep 30; true)");
        String id = local.deployBot(bot(14)).identifier();
        try {
            long pid = Long.parseLong(id.substring("local-".length()));
            waitFor(() -> ProcessHandle.of(pid).map(p -> p.descendants().count() >= 2).orElse(false)); // subshell, sleep
            assertThat(local.listBots().orElseThrow()).extracting(SeenContainer::botId, SeenContainer::identifier)
                    .containsExactly(tuple(14L, id));
            assertThat(local.findBot(14)).contains(id);
        } finally {
            local.stopBot(14, id);
        }
        assertThat(local.listBots().orElseThrow()).isEmpty();
    }

    @Test
    void aBotThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        LocalPlatformService local = platform("trap '' TERM; while true; do sleep 0.1; done");
        String id = local.deployBot(bot(8)).identifier();
        Thread.sleep(300); // let the shell install its trap
        var stop = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                local.stopBot(8, id);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(local.getBotStatus(id).state()).as("still running within the grace period").isEqualTo(PlatformBotStatus.RUNNING);
        stop.join(); // returns once the kill took effect
        assertThat(local.getBotStatus(id).state()).isEqualTo(PlatformBotStatus.STOPPED);
    }

    /**
     * A terminal's Ctrl-C signals the runner's whole process group: a bot runs in a session of its
     * own, out of that group, so only the runner gets it and stops its bots in order.
     */
    @Test
    void aBotRunsInASessionOfItsOwnOutOfTheRunnersProcessGroup() throws Exception {
        LocalPlatformService local = platform("sleep 30");
        String id = local.deployBot(bot(13)).identifier();
        try {
            long pid = Long.parseLong(id.substring("local-".length()));
            assertThat(ProcessHandle.of(pid).flatMap(p -> p.parent()).map(ProcessHandle::pid))
                    .as("still the runner's child").contains(ProcessHandle.current().pid());
            waitFor(() -> stat(pid, 3) == pid); // its own session, once setsid has run in the new process
            assertThat(stat(pid, 2)).as("its process group").isNotEqualTo(stat(ProcessHandle.current().pid(), 2));
        } finally {
            local.stopBot(13, id);
        }
    }

    /** A field of {@code /proc/<pid>/stat} after the command: 2 is the process group, 3 the session. */
    private static long stat(long pid, int field) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[field]);
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
