package io.botfleet.platform.coolify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Coolify's REST API ({@code /api/v1}, bearer token), the calls a pool of Docker-image
 * applications needs and nothing about bots or slots. Every failure comes back as a classified
 * {@link PlatformDeployError}: 400/401/403/404/409/422 permanent with Coolify's message;
 * 429, 5xx and timeouts transient; and a state-changing call that may have reached Coolify
 * before it failed is "outcome unknown". A 429 is retried after its {@code Retry-After} when
 * that still fits the call's deadline.
 */
public final class CoolifyApiClient {
    private static final String PLATFORM = "coolify";
    private static final MediaType JSON = MediaType.get("application/json");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Where and as whom: the instance's URL (the client adds {@code /api/v1}) and the token. */
    public record Endpoint(String url, String token, Duration callTimeout) {
    }

    /** An application, as far as a pool needs it; {@code status} is Coolify's {@code state:health}. */
    public record Application(String uuid, String name, String status, String description) {
    }

    /** A deployment: {@code queued}, {@code in_progress}, {@code finished}, {@code failed} or {@code cancelled-by-user}. */
    public record Deployment(String uuid, String status, String applicationName, Instant createdAt) {
    }

    /** What a new Docker-image application is made of. */
    public record NewApplication(String projectUuid, String serverUuid, String environmentName, String destinationUuid,
                                 String name, String description, String imageName, String imageTag, List<String> tags) {
    }

    private final OkHttpClient http;
    private final HttpUrl base;
    private final String token;
    private final Duration deadline;

    public CoolifyApiClient(Endpoint endpoint) {
        this.base = HttpUrl.get(endpoint.url()).newBuilder().addPathSegments("api/v1").build();
        this.token = endpoint.token();
        this.deadline = endpoint.callTimeout();
        this.http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(endpoint.callTimeout())
                .writeTimeout(Duration.ofSeconds(10))
                .callTimeout(endpoint.callTimeout())
                .retryOnConnectionFailure(false) // a repeated POST could deploy twice; retries are decided here
                .build();
    }

    /** Creates the application (no deploy yet) and answers its uuid. */
    public String createDockerImageApplication(NewApplication app) throws PlatformDeployError {
        ObjectNode body = MAPPER.createObjectNode()
                .put("project_uuid", app.projectUuid()).put("server_uuid", app.serverUuid())
                .put("environment_name", app.environmentName())
                .put("docker_registry_image_name", app.imageName()).put("docker_registry_image_tag", app.imageTag())
                .put("ports_exposes", "3000").put("name", app.name()).put("description", app.description())
                .put("instant_deploy", false).put("autogenerate_domain", false);
        if (app.destinationUuid() != null) {
            body.put("destination_uuid", app.destinationUuid()); // an empty string would be a 422: leave it out
        }
        ArrayNode tags = body.putArray("tags");
        app.tags().forEach(tags::add);
        return send("POST", url("applications", "dockerimage"), body).path("uuid").asText();
    }

    /** Creates or replaces these environment variables (the bulk route is an upsert). */
    public void upsertEnvs(String appUuid, Map<String, String> envs) throws PlatformDeployError {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        envs.forEach((key, value) -> data.addObject().put("key", key).put("value", value)
                .put("is_preview", false).put("is_literal", true));
        send("PATCH", url("applications", appUuid, "envs", "bulk"), body);
    }

    /** Changes the image (name without tag, and tag) and the description. */
    public void update(String appUuid, String imageName, String imageTag, String description) throws PlatformDeployError {
        send("PATCH", url("applications", appUuid), MAPPER.createObjectNode()
                .put("docker_registry_image_name", imageName).put("docker_registry_image_tag", imageTag)
                .put("description", description));
    }

    /** Queues a deployment through {@code /deploy}, where a full Coolify queue is a visible 429; answers its uuid. */
    public String deploy(String appUuid) throws PlatformDeployError {
        HttpUrl url = url("deploy").newBuilder().addQueryParameter("uuid", appUuid).addQueryParameter("force", "false").build();
        JsonNode deployments = send("POST", url, null).path("deployments");
        if (!deployments.isArray() || deployments.isEmpty()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "deploy of " + appUuid + " answered no deployment");
        }
        return deployments.get(0).path("deployment_uuid").asText();
    }

    /** Stops the application; {@code docker_cleanup=false} keeps the image for the next bot. */
    public void stop(String appUuid) throws PlatformDeployError {
        send("POST", url("applications", appUuid, "stop").newBuilder().addQueryParameter("docker_cleanup", "false").build(), null);
    }

    /** Cancels a queued or running deployment; one that already ended (400) or is unknown (404) is fine. */
    public void cancelDeployment(String deploymentUuid) throws PlatformDeployError {
        Answer answer = exchange("POST", url("deployments", deploymentUuid, "cancel"), null);
        if (answer.code() != 400 && answer.code() != 404) {
            answer.body();
        }
    }

    public void delete(String appUuid) throws PlatformDeployError {
        send("DELETE", url("applications", appUuid).newBuilder().addQueryParameter("delete_configurations", "true")
                .addQueryParameter("delete_volumes", "true").addQueryParameter("docker_cleanup", "false")
                .addQueryParameter("delete_connected_networks", "true").build(), null);
    }

    /** The application, or empty when Coolify has none by that uuid. */
    public Optional<Application> getApplication(String appUuid) throws PlatformDeployError {
        Answer answer = exchange("GET", url("applications", appUuid), null);
        return answer.code() == 404 ? Optional.empty() : Optional.of(application(answer.body()));
    }

    /** The deployment, or empty when Coolify has none by that uuid (a skipped or lost request). */
    public Optional<Deployment> getDeployment(String deploymentUuid) throws PlatformDeployError {
        Answer answer = exchange("GET", url("deployments", deploymentUuid), null);
        return answer.code() == 404 ? Optional.empty() : Optional.of(deployment(answer.body()));
    }

    /** The deployments queued or running now, on every server: one call for the whole pool. */
    public List<Deployment> listRunningDeployments() throws PlatformDeployError {
        JsonNode answer = send("GET", url("deployments"), null);
        if (!answer.isArray()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "the deployment list is not a list");
        }
        List<Deployment> deployments = new ArrayList<>();
        answer.forEach(d -> deployments.add(deployment(d)));
        return deployments;
    }

    /** The latest deployments of an application, newest first (the code's {@code {count, deployments}} shape). */
    public List<Deployment> listDeployments(String appUuid, int take) throws PlatformDeployError {
        HttpUrl url = url("deployments", "applications", appUuid).newBuilder()
                .addQueryParameter("skip", "0").addQueryParameter("take", Integer.toString(take)).build();
        JsonNode answer = send("GET", url, null);
        JsonNode items = answer.isArray() ? answer : answer.path("deployments");
        List<Deployment> deployments = new ArrayList<>();
        items.forEach(d -> deployments.add(deployment(d)));
        return deployments;
    }

    /** Every application with this tag (lower case: Coolify stores tags lower-cased). */
    public List<Application> listApplications(String tag) throws PlatformDeployError {
        JsonNode answer = send("GET", url("applications").newBuilder().addQueryParameter("tag", tag).build(), null);
        if (!answer.isArray()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "the application list is not a list");
        }
        List<Application> applications = new ArrayList<>();
        answer.forEach(a -> applications.add(application(a)));
        return applications;
    }

    private static Application application(JsonNode a) {
        return new Application(a.path("uuid").asText(), a.path("name").asText(null), a.path("status").asText(""),
                a.path("description").asText(null));
    }

    private static Deployment deployment(JsonNode d) {
        return new Deployment(d.path("deployment_uuid").asText(), d.path("status").asText(""),
                d.path("application_name").asText(null), instant(d.path("created_at").asText(null)));
    }

    /** Laravel's timestamps: ISO-8601 with a zone ({@code 2026-11-28T10:15:30.000000Z}), else UTC wall-clock text. */
    private static Instant instant(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private HttpUrl url(String... segments) {
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
    private record Answer(int code, String what, JsonNode json, boolean changesState) {
        JsonNode body() throws PlatformDeployError {
            if (code >= 200 && code < 300) {
                return json;
            }
            if (code == 429) {
                throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what);
            }
            if (code >= 500) { // a state change may have happened before the server failed
                throw changesState ? PlatformDeployError.outcomeUnknown(PLATFORM, what, null)
                        : new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what);
            }
            throw new PlatformDeployError(Kind.PERMANENT, PLATFORM, what);
        }
    }

    private JsonNode send(String method, HttpUrl url, JsonNode body) throws PlatformDeployError {
        return exchange(method, url, body).body();
    }

    private Answer exchange(String method, HttpUrl url, JsonNode body) throws PlatformDeployError {
        boolean changesState = !method.equals("GET");
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Request request = new Request.Builder().url(url).header("Authorization", "Bearer " + token)
                    .header("Accept", "application/json")
                    .method(method, body == null ? (changesState ? RequestBody.create(new byte[0]) : null)
                            : RequestBody.create(body.toString(), JSON))
                    .build();
            try (Response response = http.newCall(request).execute()) {
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
            } catch (IOException e) {
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

    private static String message(String body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            String message = node.path("message").asText("");
            return node.has("errors") ? message + " " + node.get("errors") : message;
        } catch (IOException e) {
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
