package io.botfleet.platform.coolify;

import io.botfleet.JsonMapping;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
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
import okhttp3.Interceptor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Coolify's REST API ({@code /api/v1}, bearer token), the calls a pool of Docker-image
 * applications needs and nothing about bots or slots. Every failure comes back as a classified
 * {@link PlatformDeployError} (see {@link CoolifyHttp}).
 */
public final class CoolifyApiClient {
    private static final String PLATFORM = "coolify";
    private static final JsonMapper MAPPER = JsonMapping.MAPPER;

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

    private final CoolifyHttp http;

    public CoolifyApiClient(Endpoint endpoint) {
        this(endpoint, null);
    }

    /** @param answerer answers every request in place of Coolify (priming), or null */
    CoolifyApiClient(Endpoint endpoint, Interceptor answerer) {
        this.http = new CoolifyHttp(endpoint, answerer);
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
        return http.send("POST", http.url("applications", "dockerimage"), body).path("uuid").asString("");
    }

    /** Creates or replaces these environment variables (the bulk route is an upsert). */
    public void upsertEnvs(String appUuid, Map<String, String> envs) throws PlatformDeployError {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode data = body.putArray("data");
        envs.forEach((key, value) -> data.addObject().put("key", key).put("value", value)
                .put("is_preview", false).put("is_literal", true));
        http.send("PATCH", http.url("applications", appUuid, "envs", "bulk"), body);
    }

    /** Changes the image (name without tag, and tag) and the description. */
    public void update(String appUuid, String imageName, String imageTag, String description) throws PlatformDeployError {
        http.send("PATCH", http.url("applications", appUuid), MAPPER.createObjectNode()
                .put("docker_registry_image_name", imageName).put("docker_registry_image_tag", imageTag)
                .put("description", description));
    }

    /** Queues a deployment through {@code /deploy}, where a full Coolify queue is a visible 429; answers its uuid. */
    public String deploy(String appUuid) throws PlatformDeployError {
        HttpUrl url = http.url("deploy").newBuilder().addQueryParameter("uuid", appUuid).addQueryParameter("force", "false").build();
        JsonNode deployments = http.send("POST", url, null).path("deployments");
        if (!deployments.isArray() || deployments.isEmpty()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "deploy of " + appUuid + " answered no deployment");
        }
        return deployments.get(0).path("deployment_uuid").asString("");
    }

    /** Stops the application; {@code docker_cleanup=false} keeps the image for the next bot. */
    public void stop(String appUuid) throws PlatformDeployError {
        http.send("POST", http.url("applications", appUuid, "stop").newBuilder().addQueryParameter("docker_cleanup", "false").build(), null);
    }

    /** Cancels a queued or running deployment; one that already ended (400) or is unknown (404) is fine. */
    public void cancelDeployment(String deploymentUuid) throws PlatformDeployError {
        CoolifyHttp.Answer answer = http.exchange("POST", http.url("deployments", deploymentUuid, "cancel"), null);
        if (answer.code() != 400 && answer.code() != 404) {
            answer.body();
        }
    }

    public void delete(String appUuid) throws PlatformDeployError {
        http.send("DELETE", http.url("applications", appUuid).newBuilder().addQueryParameter("delete_configurations", "true")
                .addQueryParameter("delete_volumes", "true").addQueryParameter("docker_cleanup", "false")
                .addQueryParameter("delete_connected_networks", "true").build(), null);
    }

    /** The application, or empty when Coolify has none by that uuid. */
    public Optional<Application> getApplication(String appUuid) throws PlatformDeployError {
        CoolifyHttp.Answer answer = http.exchange("GET", http.url("applications", appUuid), null);
        return answer.code() == 404 ? Optional.empty() : Optional.of(application(answer.body()));
    }

    /** The deployment, or empty when Coolify has none by that uuid (a skipped or lost request). */
    public Optional<Deployment> getDeployment(String deploymentUuid) throws PlatformDeployError {
        CoolifyHttp.Answer answer = http.exchange("GET", http.url("deployments", deploymentUuid), null);
        return answer.code() == 404 ? Optional.empty() : Optional.of(deployment(answer.body()));
    }

    /** The deployments queued or running now, on every server: one call for the whole pool. */
    public List<Deployment> listRunningDeployments() throws PlatformDeployError {
        JsonNode answer = http.send("GET", http.url("deployments"), null);
        if (!answer.isArray()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "the deployment list is not a list");
        }
        List<Deployment> deployments = new ArrayList<>();
        answer.forEach(d -> deployments.add(deployment(d)));
        return deployments;
    }

    /** The latest deployments of an application, newest first (the code's {@code {count, deployments}} shape). */
    public List<Deployment> listDeployments(String appUuid, int take) throws PlatformDeployError {
        HttpUrl url = http.url("deployments", "applications", appUuid).newBuilder()
                .addQueryParameter("skip", "0").addQueryParameter("take", Integer.toString(take)).build();
        JsonNode answer = http.send("GET", url, null);
        JsonNode items = answer.isArray() ? answer : answer.path("deployments");
        List<Deployment> deployments = new ArrayList<>();
        items.forEach(d -> deployments.add(deployment(d)));
        return deployments;
    }

    /** Every application with this tag (lower case: Coolify stores tags lower-cased). */
    public List<Application> listApplications(String tag) throws PlatformDeployError {
        JsonNode answer = http.send("GET", http.url("applications").newBuilder().addQueryParameter("tag", tag).build(), null);
        if (!answer.isArray()) {
            throw new PlatformDeployError(Kind.TRANSIENT, PLATFORM, "the application list is not a list");
        }
        List<Application> applications = new ArrayList<>();
        answer.forEach(a -> applications.add(application(a)));
        return applications;
    }

    // each text read with a default: a field of another shape (an object where text belongs) gives it, not an exception
    private static Application application(JsonNode a) {
        return new Application(a.path("uuid").asString(""), a.path("name").asString(null), a.path("status").asString(""),
                a.path("description").asString(null));
    }

    private static Deployment deployment(JsonNode d) {
        return new Deployment(d.path("deployment_uuid").asString(""), d.path("status").asString(""),
                d.path("application_name").asString(null), instant(d.path("created_at").asString(null)));
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
}
