package io.botfleet.platform.local;

import io.botfleet.config.Env;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bundled stand-in for a meeting bot container. It calls back as a real bot would:
 * JOINING_CALL, IN_CALL, heartbeats, then after {@code BOT_SIM_DURATION} CALL_ENDED and DONE.
 * On SIGTERM it leaves at once, reporting CALL_ENDED and DONE.
 */
public final class SimulatedBot {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI statusUri;
    private final String token;

    SimulatedBot(String baseUrl, long botId, String token) {
        this.statusUri = URI.create(baseUrl + "/bots/" + botId + "/status");
        this.token = token;
    }

    public static void main(String[] args) throws InterruptedException {
        String baseUrl = System.getenv("BOTFLEET_URL");
        long botId = Long.parseLong(System.getenv("BOT_ID"));
        Duration duration = Env.parseDuration(System.getenv().getOrDefault("BOT_SIM_DURATION", "30s"));
        Duration heartbeat = Env.parseDuration(System.getenv().getOrDefault("BOT_HEARTBEAT_INTERVAL", "10s"));
        SimulatedBot bot = new SimulatedBot(baseUrl, botId, System.getenv("BOT_TOKEN"));

        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (finished.getCount() > 0) {
                bot.report("{\"status\":\"CALL_ENDED\"}");
                bot.report("{\"status\":\"DONE\"}");
            }
        }));
        bot.report("{\"status\":\"JOINING_CALL\",\"heartbeat\":true}");
        bot.report("{\"status\":\"IN_CALL\",\"heartbeat\":true}");
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            long sleep = Math.min(heartbeat.toNanos(), end - System.nanoTime());
            TimeUnit.NANOSECONDS.sleep(Math.max(0, sleep));
            if (System.nanoTime() < end) {
                bot.report("{\"heartbeat\":true}");
            }
        }
        bot.report("{\"status\":\"CALL_ENDED\"}");
        bot.report("{\"status\":\"DONE\"}");
        finished.countDown();
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
            System.out.println("sim-bot " + body + " -> " + response.statusCode());
        } catch (Exception e) {
            System.out.println("sim-bot " + body + " failed: " + e);
        }
    }
}
