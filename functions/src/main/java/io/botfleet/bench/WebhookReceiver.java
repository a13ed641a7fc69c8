package io.botfleet.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.botfleet.functions.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * A customer's webhook endpoint on the loopback address: while down it answers 503 at once (an
 * outage); while up it answers 204 after {@code answerAfter}, as a receiver doing its work does.
 * It keeps, per bot, the webhooks it took in the order they arrived (a repeat of a webhook-id is
 * counted, not kept), to check that each bot's order was kept.
 */
final class WebhookReceiver implements AutoCloseable {
    private record Received(String status, String previousStatus) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Duration answerAfter;
    private final AtomicBoolean up = new AtomicBoolean();
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final Map<Long, List<Received>> byBot = new ConcurrentHashMap<>();
    private final AtomicLong repeats = new AtomicLong();
    private volatile long lastRefusalNanos = System.nanoTime();

    WebhookReceiver(Duration answerAfter) {
        this.answerAfter = answerAfter;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/hooks", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** The outage ends: from now on webhooks are taken. */
    void up() {
        up.set(true);
    }

    /** Webhooks taken (each webhook-id once). */
    long delivered() {
        return ids.size();
    }

    long repeats() {
        return repeats.get();
    }

    /** How long since the last webhook refused during the outage. */
    Duration sinceLastRefusal() {
        return Duration.ofNanos(System.nanoTime() - lastRefusalNanos);
    }

    /**
     * Bots whose webhooks did not arrive in their order: each one's previousStatus must be the
     * status of the one before it (none for the first), so one overtaking another breaks the chain.
     */
    List<String> outOfOrder() {
        List<String> problems = new ArrayList<>();
        byBot.forEach((bot, received) -> {
            synchronized (received) {
                String previous = null;
                for (Received r : received) {
                    if (r.previousStatus() == null ? previous != null : !r.previousStatus().equals(previous)) {
                        problems.add("bot " + bot + ": " + r.status() + " (after " + r.previousStatus() + ") arrived after "
                                + (previous == null ? "nothing" : previous));
                        break;
                    }
                    previous = r.status();
                }
            }
        });
        return problems;
    }

    int bots() {
        return byBot.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!up.get()) {
                lastRefusalNanos = System.nanoTime();
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            JsonNode data = Json.MAPPER.readTree(body).path("data");
            if (ids.add(id)) {
                List<Received> received = byBot.computeIfAbsent(data.path("botId").asLong(), b -> new ArrayList<>());
                synchronized (received) {
                    received.add(new Received(text(data, "status"), text(data, "previousStatus")));
                }
            } else {
                repeats.incrementAndGet();
            }
            Thread.sleep(answerAfter);
            exchange.sendResponseHeaders(204, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
