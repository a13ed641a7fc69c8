package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plain http with {@code WEBHOOK_ALLOW_LOOPBACK} is decided on the addresses a name resolves to,
 * not on how the name is spelt: {@code 127.evil.example} resolving to a public address gets no
 * plain http, a name resolving to loopback does. A real receiver on 127.0.0.1; the names other
 * than {@code localhost} get their addresses from a stand-in name service.
 */
class WebhookLoopbackTest {
    private static final Map<String, List<String>> NAMES = Map.of(
            "127.evil.example", List.of("203.0.113.7"),
            "127.0.0.1.evil.example", List.of("127.0.0.1", "203.0.113.7"),
            "hooks.botfleet.test", List.of("127.0.0.1"));

    private final MockWebServer receiver = new MockWebServer();
    private final MutableClock clock = new MutableClock();

    @BeforeEach
    void start() throws Exception {
        receiver.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    /** The stand-in name service: the names above, and the system's for the rest ({@code localhost}). */
    private static List<InetAddress> lookup(String host) throws UnknownHostException {
        List<String> fixed = NAMES.get(host);
        if (fixed == null) {
            return Dns.SYSTEM.lookup(host);
        }
        List<InetAddress> addresses = new java.util.ArrayList<>();
        for (String address : fixed) {
            addresses.add(InetAddress.getByAddress(host, InetAddress.getByName(address).getAddress()));
        }
        return addresses;
    }

    private WebhookSender.Sent send(boolean allowLoopback, String host) {
        return new WebhookSender(Fixtures.WEBHOOK_SECRET, allowLoopback, clock, Duration.ofMillis(700), WebhookLoopbackTest::lookup)
                .send("evt_1", "http://" + host + ":" + receiver.getPort() + "/hooks", "{}");
    }

    @Test
    void aNameThatOnlyLooksLikeLoopbackGetsNoPlainHttp() {
        for (String host : List.of("127.evil.example", "127.0.0.1.evil.example")) {
            WebhookSender.Sent sent = send(true, host);
            assertThat(sent.status()).as(host).isZero();
            assertThat(sent.answer()).as(host + ": refused for its public address, before any connection")
                    .contains("203.0.113.7").contains("plain http");
        }
        assertThat(receiver.getRequestCount()).isZero();
    }

    @Test
    void aNameThatResolvesToLoopbackGetsPlainHttpWhenAllowed() {
        for (String host : List.of("localhost", "hooks.botfleet.test", "127.0.0.1")) {
            receiver.enqueue(new MockResponse.Builder().code(204).build());
            assertThat(send(true, host).status()).as(host).isEqualTo(204);
        }
        assertThat(receiver.getRequestCount()).isEqualTo(3);
    }

    @Test
    void withoutAllowLoopbackNoPlainHttpGoesAnywhere() {
        for (String host : List.of("localhost", "hooks.botfleet.test", "127.0.0.1")) {
            assertThat(send(false, host).answer()).as(host).isEqualTo("not sent: only https URLs receive webhooks");
        }
        assertThat(receiver.getRequestCount()).isZero();
    }
}
