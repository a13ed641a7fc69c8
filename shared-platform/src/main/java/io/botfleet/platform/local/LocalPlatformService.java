package io.botfleet.platform.local;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.log.Redacted;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.SeenContainer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs each bot as a child process of this one: by default the bundled {@link SimulatedBot},
 * or {@code LOCAL_BOT_COMMAND} through {@code sh -c}. A bot's process carries its name on its
 * command line ({@code botfleet-bot=<runner>/<bot id>}, the runner being this data folder), so it
 * is found again by name, also after a restart of the runner; a reused process id is never taken
 * for it. Stop is graceful: SIGTERM to the bot and its children, then a kill after the grace
 * period; it returns when nothing of the bot runs. A bot runs in a session of its own, so a
 * terminal's Ctrl-C (sent to the runner's whole process group) reaches the runner alone, which
 * then stops its bots while it can still record how they ended.
 */
public final class LocalPlatformService implements PlatformService {
    private static final String PREFIX = "local-";
    private static final String NAME = "botfleet-bot=";
    /**
     * What a bot's command runs under: {@code setsid} where the system has it (a new session, out
     * of the terminal's process group; a child of the runner is never a group leader, so setsid
     * runs the bot in this same process rather than forking), else a shell that leaves the
     * terminal's interrupt and quit ignored for the bot it then becomes.
     */
    private static final List<String> OWN_SESSION = onPath("setsid")
            ? List.of("setsid") : List.of("sh", "-c", "trap '' INT QUIT; exec \"$@\"", "sh");

    /** How bots are launched: the simulated bot's timing, or a real command. */
    public record Launch(String command, Duration simDuration, Duration heartbeatInterval, Duration stopGrace,
                         Path logDirectory) {
    }

    private final BotEnvironment environment;
    private final Launch launch;
    private final String runner;

    public LocalPlatformService(BotEnvironment environment, Launch launch) {
        this.environment = environment;
        this.launch = launch;
        this.runner = Integer.toHexString(launch.logDirectory().toAbsolutePath().normalize().toString().hashCode());
    }

    @Override
    public String platformName() {
        return "local";
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        Optional<ProcessHandle> running = processes(bot.id()).findFirst();
        if (running.isPresent()) {
            return new PlatformDeployResult(PREFIX + running.get().pid()); // found by its name
        }
        try {
            Files.createDirectories(launch.logDirectory());
            ProcessBuilder builder = new ProcessBuilder(command(name(bot.id())));
            builder.environment().putAll(environment.forBot(bot));
            builder.environment().put("BOT_SIM_DURATION", launch.simDuration().toMillis() + "ms");
            builder.environment().put("BOT_HEARTBEAT_INTERVAL", launch.heartbeatInterval().toMillis() + "ms");
            builder.redirectErrorStream(true);
            builder.redirectOutput(launch.logDirectory().resolve("bot-" + bot.id() + ".log").toFile());
            Process process = builder.start();
            Log.info("local.bot_started", Map.of("botId", bot.id(), "platform", "local", "pid", process.pid()));
            return new PlatformDeployResult(PREFIX + process.pid());
        } catch (IOException e) {
            throw new PlatformDeployError(PlatformDeployError.Kind.PERMANENT, "local",
                    "cannot start " + (launch.command() == null ? "the simulated bot" : "LOCAL_BOT_COMMAND") + ": "
                            + Redacted.of(e), e); // by name: the command is a setting's value
        }
    }

    /** By the bot's name: the identifier's process id alone could by now belong to another process. */
    @Override
    public void stopBot(long botId, String identifier) throws PlatformDeployError {
        List<ProcessHandle> running = processes(botId).toList();
        running.forEach(p -> withChildren(p).forEach(ProcessHandle::destroy));
        if (awaitExit(running, launch.stopGrace())) {
            return;
        }
        running.forEach(p -> withChildren(p).forEach(ProcessHandle::destroyForcibly));
        if (!awaitExit(running, Duration.ofSeconds(2))) {
            throw new PlatformDeployError(PlatformDeployError.Kind.TRANSIENT, "local",
                    "bot " + botId + " still runs after a kill");
        }
    }

    /** The list is the process table itself: a bot's process is in it from its start. */
    @Override
    public Duration listLag() {
        return Duration.ZERO;
    }

    @Override
    public Optional<String> findBot(long botId) {
        return processes(botId).findFirst().map(p -> PREFIX + p.pid());
    }

    /** A process id that now belongs to another program is not the bot's: a bot's process carries its name. */
    @Override
    public PlatformStatus getBotStatus(String identifier) {
        return process(identifier).filter(p -> p.isAlive() && botId(p).isPresent()).map(p -> PlatformStatus.RUNNING)
                .orElse(PlatformStatus.of(PlatformBotStatus.STOPPED, "the bot's process is gone"));
    }

    /** Every live process of this runner's bots, found by the name each carries. */
    @Override
    public Optional<List<SeenContainer>> listBots() {
        return Optional.of(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .flatMap(p -> botId(p).filter(id -> !copyOfTheBot(p, id))
                        .map(id -> new SeenContainer(id, PREFIX + p.pid(), PlatformStatus.RUNNING)).stream())
                .toList());
    }

    private String name(long botId) {
        return NAME + runner + "/" + botId;
    }

    /** The bot whose name this process carries, if it is one of this runner's bots. */
    private Optional<Long> botId(ProcessHandle process) {
        String prefix = NAME + runner + "/";
        return process.info().arguments().stream().flatMap(Arrays::stream).filter(a -> a.startsWith(prefix))
                .map(a -> a.substring(prefix.length())).filter(id -> !id.isEmpty() && id.chars().allMatch(Character::isDigit))
                .map(Long::parseLong).findFirst();
    }

    /** The live processes that carry the bot's name, each the bot itself (not a copy of it about to run a command). */
    private Stream<ProcessHandle> processes(long botId) {
        String name = name(botId);
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> Arrays.asList(args).contains(name)).orElse(false))
                .filter(p -> !copyOfTheBot(p, botId));
    }

    /**
     * Whether the process is a child of the bot's own process that still carries its name: a
     * shell's child is a copy of the shell, arguments included, until it runs its command.
     */
    private boolean copyOfTheBot(ProcessHandle process, long botId) {
        return process.parent().flatMap(this::botId).filter(id -> id == botId).isPresent();
    }

    private static Stream<ProcessHandle> withChildren(ProcessHandle process) {
        return Stream.concat(process.descendants(), Stream.of(process));
    }

    private static boolean awaitExit(List<ProcessHandle> processes, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                return !p.isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The bot's command in its own session, with its name as the last argument ({@code $0} of {@code sh -c}). */
    private List<String> command(String name) throws IOException {
        List<String> command = new ArrayList<>(OWN_SESSION);
        if (launch.command() != null) {
            command.addAll(List.of("sh", "-c", launch.command(), name));
            return command;
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // a small, quick JVM: the simulated bot only sleeps and posts a few callbacks. The class
        // path goes in an argument file: the JDK reads no arguments of a process whose command
        // line is over 4 KB (a long class path), and a bot is found again by its name among them
        command.addAll(List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "@" + classPathFile(), SimulatedBot.class.getName(), name));
        return command;
    }

    private Path classPathFile() throws IOException {
        Path file = launch.logDirectory().resolve("simulated-bot.args");
        String classPath = System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
        Files.writeString(file, "-cp \"" + classPath + "\"\n");
        return file;
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    private static Optional<ProcessHandle> process(String identifier) {
        if (identifier == null || !identifier.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(identifier.substring(PREFIX.length())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
