package io.botfleet.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * A webhook receiver on a local port (MockWebServer, one thread per connection): it answers every
 * delivery with the status it is set to, after a delay, and keeps what arrived for each bot, in
 * arrival order, and whether a bot ever had two deliveries in flight at once.
 */
final class WebhookReceiver implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.shared();

    private final MockWebServer server = new MockWebServer();
    private final Duration delay;
    private final Map<Long, List<Long>> arrived = new ConcurrentHashMap<>();
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> overlapping = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int answer = 204;

    WebhookReceiver(Duration delay) {
        this.delay = delay;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                return receive(request);
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return server.url("/hooks").toString();
    }

    /** The status every later delivery is answered with. */
    void answer(int status) {
        answer = status;
    }

    int requests() {
        return requests.get();
    }

    /** The event ids of the bot's deliveries as they arrived (a retried event arrives again). */
    List<Long> arrivedFor(long botId) {
        List<Long> events = arrived.getOrDefault(botId, List.of());
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Bots that had a delivery arrive while an earlier one of theirs was still unanswered. */
    Set<Long> overlapping() {
        return Set.copyOf(overlapping);
    }

    private MockResponse receive(RecordedRequest request) throws InterruptedException {
        long botId = JSON.readTree(request.getBody().utf8()).at("/data/botId").asLong();
        long eventId = Long.parseLong(request.getHeaders().get("webhook-id").substring("evt_".length()));
        if (!inFlight.add(botId)) {
            overlapping.add(botId);
        }
        List<Long> events = arrived.computeIfAbsent(botId, b -> new ArrayList<>());
        synchronized (events) {
            events.add(eventId);
        }
        requests.incrementAndGet();
        try {
            Thread.sleep(delay);
            return new MockResponse.Builder().code(answer).build();
        } finally {
            inFlight.remove(botId);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
