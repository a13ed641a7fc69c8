package io.botfleet.platform.local;

import io.botfleet.JsonMapping;
import io.botfleet.config.Env;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The bundled stand-in for a meeting bot container. It reads its configuration as a real bot
 * would ({@code GET /bots/{id}/config} with its token: the meeting, its automatic-leave timeouts,
 * its end time), then calls back: JOINING_CALL, IN_CALL, heartbeats, and CALL_ENDED and DONE at
 * the earlier of {@code BOT_SIM_DURATION} and its {@code endTime}. On SIGTERM it leaves at once.
 */
public final class SimulatedBot {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI statusUri;
    private final URI configUri;
    private final String token;
    private final PrintStream out;

    SimulatedBot(String baseUrl, long botId, String token, PrintStream out) {
        this.statusUri = URI.create(baseUrl + "/bots/" + botId + "/status");
        this.configUri = URI.create(baseUrl + "/bots/" + botId + "/config");
        this.token = token;
        this.out = out;
    }

    public static void main(String[] args) {
        run(System.getenv(), System.out);
    }

    /**
     * Runs the bot with this environment until its call ends: from {@link #main} as a process of
     * its own, or on a thread of a test's fake platform that runs it as a container would.
     */
    public static void run(Map<String, String> env, PrintStream out) {
        String baseUrl = env.get("BOTFLEET_URL");
        long botId = Long.parseLong(env.get("BOT_ID"));
        Duration duration = Env.parseDuration(env.getOrDefault("BOT_SIM_DURATION", "30s"));
        Duration heartbeat = Env.parseDuration(env.getOrDefault("BOT_HEARTBEAT_INTERVAL", "10s"));
        SimulatedBot bot = new SimulatedBot(baseUrl, botId, env.get("BOT_TOKEN"), out);

        CountDownLatch finished = new CountDownLatch(1);
        Thread leaveOnShutdown = new Thread(() -> {
            if (finished.getCount() > 0) {
                bot.report("{\"status\":\"CALL_ENDED\"}");
                bot.report("{\"status\":\"DONE\"}");
            }
        });
        Runtime.getRuntime().addShutdownHook(leaveOnShutdown);
        try {
            Duration stay = bot.until(bot.endTime(), duration);
            bot.report("{\"status\":\"JOINING_CALL\",\"heartbeat\":true}");
            bot.report("{\"status\":\"IN_CALL\",\"heartbeat\":true}");
            long end = System.nanoTime() + stay.toNanos();
            while (System.nanoTime() < end) {
                long sleep = Math.min(heartbeat.toNanos(), end - System.nanoTime());
                TimeUnit.NANOSECONDS.sleep(Math.max(0, sleep));
                if (System.nanoTime() < end) {
                    bot.report("{\"heartbeat\":true}");
                }
            }
        } catch (InterruptedException stopped) {
            // stopped: it leaves the call, as on SIGTERM (the exception cleared the flag, so the reports go out)
        }
        bot.report("{\"status\":\"CALL_ENDED\"}");
        bot.report("{\"status\":\"DONE\"}");
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(leaveOnShutdown);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway and finds the bot finished
        }
    }

    /** Its {@code endTime} from its config; null when it has none or the config cannot be read. */
    private Instant endTime() {
        HttpRequest request = HttpRequest.newBuilder(configUri).timeout(Duration.ofSeconds(5))
                .header("X-Bot-Token", token).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            out.println("sim-bot config -> " + response.statusCode());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonNode end = JsonMapping.MAPPER.readTree(response.body()).path("endTime");
            return end.isString() ? Instant.parse(end.stringValue()) : null;
        } catch (Exception e) {
            out.println("sim-bot config failed: " + e);
            return null;
        }
    }

    /** How long to stay: its simulated duration, or until its end time when that comes first. */
    private Duration until(Instant endTime, Duration duration) {
        if (endTime == null) {
            return duration;
        }
        Duration left = Duration.between(Instant.now(), endTime);
        return left.isNegative() ? Duration.ZERO : left.compareTo(duration) < 0 ? left : duration;
    }

    private void report(String body) {
        HttpRequest request = HttpRequest.newBuilder(statusUri)
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .header("X-Bot-Token", token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            out.println("sim-bot " + body + " -> " + response.statusCode());
        } catch (Exception e) {
            out.println("sim-bot " + body + " failed: " + e);
        }
    }
}
