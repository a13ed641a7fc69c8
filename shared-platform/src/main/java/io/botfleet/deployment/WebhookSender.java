package io.botfleet.deployment;

import io.botfleet.log.Redacted;
import io.botfleet.platform.LazyClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLException;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Sends one webhook as the Standard Webhooks specification defines it: {@code POST} of the JSON
 * body with {@code webhook-id}, {@code webhook-timestamp} (seconds) and {@code webhook-signature}
 * ({@code v1,} + base64 HMAC-SHA256 of {@code id.timestamp.body} under the key the
 * {@code whsec_} secret encodes). Only to https URLs, never to a private, link-local, metadata
 * or other non-public address; plain http only when loopback is allowed, and then only to
 * loopback addresses. Every rule is checked on the addresses the name resolves to when it is
 * sent (never on how the name is spelt), and the connection uses only those addresses.
 */
public final class WebhookSender {
    /** How a send went: the HTTP status (0 when nothing was answered) and a line for the record. */
    public record Sent(int status, String answer) {
        boolean delivered() {
            return status >= 200 && status < 300;
        }
    }

    private static final MediaType JSON = MediaType.get("application/json");
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final byte[] key;
    private final boolean allowLoopback;
    /** Made at the first send: building it reads the trust store. */
    private final LazyClient<OkHttpClient> https;
    /** Plain http goes only to loopback addresses, and only when loopback is allowed. */
    private final LazyClient<OkHttpClient> plainHttp;
    private final Clock clock;
    private final Dns names;

    /** @param secret {@code whsec_} + base64, or null: nothing can be signed, so nothing is sent */
    public WebhookSender(String secret, boolean allowLoopback, Clock clock) {
        this(secret, allowLoopback, clock, TIMEOUT, Dns.SYSTEM);
    }

    /** @param names the name service (tests give names fixed addresses) */
    WebhookSender(String secret, boolean allowLoopback, Clock clock, Duration timeout, Dns names) {
        this(secret, allowLoopback, clock, timeout, names, null);
    }

    /** @param answerer answers every request in place of the receiver (priming), or null */
    private WebhookSender(String secret, boolean allowLoopback, Clock clock, Duration timeout, Dns names, Interceptor answerer) {
        this.key = secret == null ? null : Base64.getDecoder().decode(secret.substring("whsec_".length()));
        this.allowLoopback = allowLoopback;
        this.clock = clock;
        this.names = names;
        this.https = new LazyClient<>(() -> {
            OkHttpClient.Builder builder = new OkHttpClient.Builder().callTimeout(timeout).connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(false).followSslRedirects(false)
                    .dns(host -> allowedAddresses(host, false));
            if (answerer != null) {
                builder.addInterceptor(answerer);
            }
            return builder.build();
        });
        this.plainHttp = new LazyClient<>(() -> https.get().newBuilder().dns(host -> allowedAddresses(host, true)).build());
    }

    /**
     * Signs and sends one webhook to a documentation address (RFC 5737), answered in memory before
     * any name is resolved or connection made: loads the address checks, the signing and the
     * request's making for the first real send (SnapStart priming).
     */
    public static void prime() {
        byte[] key = "botfleet-priming-key-of-32-bytes".getBytes(StandardCharsets.UTF_8);
        WebhookSender sender = new WebhookSender("whsec_" + Base64.getEncoder().encodeToString(key), false,
                Clock.systemUTC(), TIMEOUT, Dns.SYSTEM, chain -> new Response.Builder().request(chain.request())
                .protocol(Protocol.HTTP_1_1).code(204).message("No Content").body(ResponseBody.create(new byte[0], null)).build());
        Sent sent = sender.send("evt_priming", "https://192.0.2.1/webhook", "{\"type\":\"bot.status_changed\"}");
        if (!sent.delivered()) {
            throw new IllegalStateException("the priming webhook was not answered from memory: " + sent.answer());
        }
    }

    public Sent send(String id, String url, String body) {
        if (key == null) {
            return new Sent(0, "not sent: WEBHOOK_SECRET is not set");
        }
        HttpUrl target = HttpUrl.parse(url);
        if (target == null) {
            return new Sent(0, "not sent: not a URL");
        }
        boolean plain = !target.isHttps();
        if (plain && !allowLoopback) {
            return new Sent(0, "not sent: only https URLs receive webhooks");
        }
        String refusal = refusalOfLiteral(target.host(), plain);
        if (refusal != null) {
            return new Sent(0, "not sent: " + refusal);
        }
        long timestamp = clock.instant().getEpochSecond();
        Request request = new Request.Builder().url(target).post(RequestBody.create(body, JSON))
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", "v1," + signature(id, timestamp, body))
                .header("User-Agent", "botfleet-webhooks").build();
        OkHttpClient client;
        try {
            client = (plain ? plainHttp : https).get();
        } catch (RuntimeException e) { // made again at the next send
            return new Sent(0, "not sent: no HTTP client (" + Redacted.typeOf(e) + ")");
        }
        try (Response response = client.newCall(request).execute()) {
            return new Sent(response.code(), response.code() + " " + response.message());
        } catch (IOException e) {
            return new Sent(0, "no answer: " + failure(e));
        }
    }

    /**
     * What kind of failure left a send unanswered, for the record, the API and the log: a kind,
     * not the exception's text, which a library wrote and which may quote the request.
     */
    static String failure(IOException e) {
        if (e instanceof InterruptedIOException) { // a SocketTimeoutException, or the call's own timeout
            return "timeout";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof UnknownHostException) { // botfleet's refusal of an address names the address and why
            String why = Redacted.safeMessage(e);
            return why == null ? "unknown host" : why;
        }
        if (e instanceof SSLException) {
            return "TLS failure (" + Redacted.typeOf(e) + ")";
        }
        return Redacted.typeOf(e);
    }

    /** The signature of the spec: base64 HMAC-SHA256 of {@code id.timestamp.body}. */
    String signature(String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(
                    mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The addresses of a name, if every one of them may receive a webhook (over plain http, or not). */
    private List<InetAddress> allowedAddresses(String host, boolean plain) throws UnknownHostException {
        List<InetAddress> addresses = names.lookup(host);
        for (InetAddress address : addresses) {
            String refusal = refusal(address, plain);
            if (refusal != null) {
                throw new UnknownHostException(host + " resolves to " + address.getHostAddress() + ": " + refusal);
            }
        }
        return addresses;
    }

    private String refusalOfLiteral(String host, boolean plain) {
        if (!host.matches("[0-9.]+|.*:.*")) {
            return null; // a name: checked when it is resolved
        }
        try {
            return refusal(InetAddress.getByName(host), plain);
        } catch (UnknownHostException e) {
            return "not an address";
        }
    }

    /** Why this address may not receive a webhook (over plain http when {@code plain}), or null. */
    private String refusal(InetAddress address, boolean plain) {
        if (address.isLoopbackAddress()) {
            return allowLoopback ? null : "a loopback address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (cloud metadata lives there)";
        }
        if (address.isSiteLocalAddress() || address.isAnyLocalAddress() || address.isMulticastAddress()
                || uniqueLocalOrShared(address)) {
            return "a private address";
        }
        return plain ? "a public address, and plain http goes only to loopback addresses" : null;
    }

    /** IPv6 unique-local (fc00::/7) and IPv4 shared (100.64.0.0/10) space are private too. */
    private static boolean uniqueLocalOrShared(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc;
        }
        return address instanceof Inet4Address && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }
}
