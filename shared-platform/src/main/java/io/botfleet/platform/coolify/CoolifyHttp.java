package io.botfleet.platform.coolify;

import io.botfleet.JsonMapping;
import io.botfleet.log.Redacted;
import io.botfleet.platform.LazyClient;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One exchange with Coolify's API: bearer token, timeouts, a 429 waited out after its
 * {@code Retry-After} while that still fits the call's deadline, and every failure classified:
 * 4xx permanent with Coolify's message; 429, 5xx and timeouts transient; a state-changing call
 * that may have reached Coolify before it failed "outcome unknown".
 */
final class CoolifyHttp {
    private static final String PLATFORM = "coolify";
    private static final MediaType JSON = MediaType.get("application/json");
    private static final JsonMapper MAPPER = JsonMapping.MAPPER;

    /** Made at the first call: building it reads the trust store. */
    private final LazyClient<OkHttpClient> http;
    private final HttpUrl base;
    private final String token;
    private final Duration deadline;

    /** @param answerer answers every request in place of Coolify (priming), or null */
    CoolifyHttp(CoolifyApiClient.Endpoint endpoint, Interceptor answerer) {
        this.base = HttpUrl.get(endpoint.url()).newBuilder().addPathSegments("api/v1").build();
        this.token = endpoint.token();
        this.deadline = endpoint.callTimeout();
        this.http = new LazyClient<>(() -> {
            OkHttpClient.Builder builder = new OkHttpClient.Builder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .readTimeout(endpoint.callTimeout())
                    .writeTimeout(Duration.ofSeconds(10))
                    .callTimeout(endpoint.callTimeout())
                    .retryOnConnectionFailure(false); // a repeated POST could deploy twice; retries are decided here
            if (answerer != null) {
                builder.addInterceptor(answerer);
            }
            return builder.build();
        });
    }

    HttpUrl url(String... segments) {
        HttpUrl.Builder url = base.newBuilder();
        for (String segment : segments) {
            url.addPathSegment(segment);
        }
        return url.build();
    }

    /**
     * An HTTP answer after 429s were waited out: {@link #body} gives the JSON of a 2xx and throws
     * the classified error of anything else.
     */
    record Answer(int code, String what, JsonNode json, boolean changesState) {
        JsonNode body() throws PlatformDeployError {
            if (code >= 200 && code < 300) {
                return json;
            }
            if (code == 429 || code == 408) {
                throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what);
            }
            if (code >= 500) { // a state change may have happened before the server failed
                throw changesState ? PlatformDeployError.outcomeUnknown(PLATFORM, what, null)
                        : new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what);
            }
            throw new PlatformDeployError(Kind.PERMANENT, PLATFORM, what);
        }
    }

    JsonNode send(String method, HttpUrl url, JsonNode body) throws PlatformDeployError {
        return exchange(method, url, body).body();
    }

    Answer exchange(String method, HttpUrl url, JsonNode body) throws PlatformDeployError {
        boolean changesState = !method.equals("GET");
        OkHttpClient client = client();
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Request request = new Request.Builder().url(url).header("Authorization", "Bearer " + token)
                    .header("Accept", "application/json")
                    .method(method, body == null ? (changesState ? RequestBody.create(new byte[0]) : null)
                            : RequestBody.create(body.toString(), JSON))
                    .build();
            try (Response response = client.newCall(request).execute()) {
                String text = response.body().string();
                int code = response.code();
                String what = method + " " + url.encodedPath() + ": HTTP " + code;
                if (code >= 200 && code < 300) {
                    return new Answer(code, what, text.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(text), changesState);
                }
                if (code == 429) {
                    Duration wait = retryAfter(response.header("Retry-After"));
                    if (System.nanoTime() + wait.toNanos() < end) {
                        sleep(wait);
                        continue;
                    }
                    what += " (Retry-After " + wait.toSeconds() + " s)";
                }
                return new Answer(code, what + " " + message(text), null, changesState);
            } catch (IOException | JacksonException e) { // JacksonException: a 2xx whose body is not JSON
                String what = method + " " + url.encodedPath() + ": " + e;
                boolean neverSent = e instanceof ConnectException || e instanceof UnknownHostException
                        || String.valueOf(e.getMessage()).contains("connect timed out");
                if (changesState && !neverSent) { // it may have arrived and acted, its answer lost or unreadable
                    throw PlatformDeployError.outcomeUnknown(PLATFORM, what, e);
                }
                throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what, e);
            }
        }
    }

    /** The client, made at the first call; one that cannot be made is a failure before anything was sent. */
    private OkHttpClient client() throws PlatformDeployError {
        try {
            return http.get();
        } catch (RuntimeException e) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "no HTTP client: " + Redacted.typeOf(e), Redacted.of(e));
        }
    }

    private static String message(String body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            String message = node.path("message").asString("");
            return node.has("errors") ? message + " " + node.get("errors") : message;
        } catch (JacksonException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }

    private static Duration retryAfter(String header) {
        try {
            return Duration.ofSeconds(Math.max(1, Long.parseLong(header == null ? "60" : header.strip())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(60);
        }
    }

    private static void sleep(Duration wait) throws PlatformDeployError {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "interrupted while waiting for Retry-After");
        }
    }
}
