package io.botfleet.platform.local;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs each bot as a child process of this one: by default the bundled {@link SimulatedBot},
 * or {@code LOCAL_BOT_COMMAND} through {@code sh -c}. The identifier carries the process id, so
 * status and stop work for bots started before a restart of the runner. Stop is graceful:
 * SIGTERM, then a kill after the grace period.
 */
public final class LocalPlatformService implements PlatformService {
    private static final String PREFIX = "local-";

    /** How bots are launched: the simulated bot's timing, or a real command. */
    public record Launch(String command, Duration simDuration, Duration heartbeatInterval, Duration stopGrace,
                         Path logDirectory) {
    }

    private final BotEnvironment environment;
    private final Launch launch;
    private final Map<Long, ProcessHandle> byBot = new ConcurrentHashMap<>();
    private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-bot-killer");
        t.setDaemon(true);
        return t;
    });

    public LocalPlatformService(BotEnvironment environment, Launch launch) {
        this.environment = environment;
        this.launch = launch;
    }

    @Override
    public String platformName() {
        return "local";
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        ProcessHandle running = byBot.get(bot.id());
        if (running != null && running.isAlive()) {
            return new PlatformDeployResult(PREFIX + running.pid()); // idempotent per bot
        }
        ProcessBuilder builder = new ProcessBuilder(command());
        builder.environment().putAll(environment.forBot(bot));
        builder.environment().put("BOT_SIM_DURATION", launch.simDuration().toMillis() + "ms");
        builder.environment().put("BOT_HEARTBEAT_INTERVAL", launch.heartbeatInterval().toMillis() + "ms");
        builder.redirectErrorStream(true);
        try {
            Files.createDirectories(launch.logDirectory());
            builder.redirectOutput(launch.logDirectory().resolve("bot-" + bot.id() + ".log").toFile());
            Process process = builder.start();
            byBot.put(bot.id(), process.toHandle());
            Log.info("local.bot_started", Map.of("botId", bot.id(), "platform", "local", "pid", process.pid()));
            return new PlatformDeployResult(PREFIX + process.pid());
        } catch (IOException e) {
            throw new PlatformDeployError(PlatformDeployError.Kind.PERMANENT, "local",
                    "cannot start " + command() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void stopBot(String identifier) {
        process(identifier).filter(ProcessHandle::isAlive).ifPresent(process -> {
            process.destroy();
            killer.schedule(process::destroyForcibly, launch.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public PlatformBotStatus getBotStatus(String identifier) {
        return process(identifier).map(p -> p.isAlive() ? PlatformBotStatus.RUNNING : PlatformBotStatus.STOPPED)
                .orElse(PlatformBotStatus.STOPPED);
    }

    private List<String> command() {
        if (launch.command() != null) {
            return List.of("sh", "-c", launch.command());
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // a small, quick JVM: the simulated bot only sleeps and posts a few callbacks
        command.addAll(List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), SimulatedBot.class.getName()));
        return command;
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
