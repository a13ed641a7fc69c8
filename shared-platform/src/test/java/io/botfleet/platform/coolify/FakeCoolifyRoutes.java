package io.botfleet.platform.coolify;

import static io.botfleet.platform.coolify.FakeCoolify.answer;
import static io.botfleet.platform.coolify.FakeCoolify.message;

import io.botfleet.platform.coolify.FakeCoolifyBackend.App;
import io.botfleet.platform.coolify.FakeCoolifyBackend.Deployment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import mockwebserver3.MockResponse;
import okhttp3.HttpUrl;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fake Coolify's routes, with the response shapes Coolify's code gives (which differ from its
 * document in places: the deployments of an application come as {@code {count, deployments}}).
 * Called with the backend locked.
 */
final class FakeCoolifyRoutes {
    private static final JsonMapper JSON = JsonMapper.shared();

    private FakeCoolifyRoutes() {
    }

    static MockResponse route(FakeCoolifyBackend backend, String method, List<String> path, HttpUrl url, JsonNode body,
                              FakeCoolify coolify) {
        String route = method + " " + String.join("/", path.stream().map(s -> s.matches("[a-z]+(-[a-z]+)*") ? s : "{}").toList());
        return switch (route) {
            case "GET applications" -> coolify.listApplications(backend.apps.values().stream()
                    .filter(a -> url.queryParameter("tag") == null || a.tags.contains(url.queryParameter("tag"))).toList());
            case "POST applications/dockerimage" -> create(backend, body);
            case "GET applications/{}" -> app(backend, path.get(1)) == null ? notFound("Application")
                    : answer(200, application(app(backend, path.get(1))));
            case "PATCH applications/{}" -> update(backend, path.get(1), body);
            case "DELETE applications/{}" -> delete(backend, path.get(1));
            case "PATCH applications/{}/envs/bulk" -> envs(backend, path.get(1), body);
            case "POST applications/{}/stop" -> stop(backend, path.get(1));
            case "POST deploy" -> deploy(backend, url.queryParameter("uuid"), coolify.queueLimit());
            case "GET deployments" -> list(backend.deployments.stream()
                    .filter(d -> d.status.equals("queued") || d.status.equals("in_progress")).toList());
            case "GET deployments/{}" -> deployment(backend, path.get(1)) == null ? notFound("Deployment")
                    : answer(200, deployment(deployment(backend, path.get(1))));
            case "GET deployments/applications/{}" -> deploymentsOf(backend, path.get(2), url);
            case "POST deployments/{}/cancel" -> cancel(backend, path.get(1));
            default -> answer(404, message("Not found: " + route));
        };
    }

    private static MockResponse create(FakeCoolifyBackend backend, JsonNode body) {
        App app = new App();
        app.name = body.path("name").asString("app-" + app.uuid);
        app.description = body.path("description").asString(null);
        app.image = body.path("docker_registry_image_name").asString();
        app.tag = body.path("docker_registry_image_tag").asString("latest");
        List<String> tags = new ArrayList<>();
        body.path("tags").forEach(t -> tags.add(t.asString()));
        app.tags = tags;
        backend.apps.put(app.uuid, app);
        return answer(201, JSON.createObjectNode().put("uuid", app.uuid).put("domains", ""));
    }

    private static MockResponse update(FakeCoolifyBackend backend, String uuid, JsonNode body) {
        App app = app(backend, uuid);
        if (app == null) {
            return notFound("Application");
        }
        app.image = body.path("docker_registry_image_name").asString(app.image);
        app.tag = body.path("docker_registry_image_tag").asString(app.tag);
        app.description = body.path("description").asString(app.description);
        return answer(200, JSON.createObjectNode().put("uuid", uuid));
    }

    private static MockResponse delete(FakeCoolifyBackend backend, String uuid) {
        App app = backend.apps.remove(uuid);
        if (app == null) {
            return notFound("Application");
        }
        backend.stop(app);
        return answer(200, message("Application deletion request queued."));
    }

    /** The bulk upsert: creates missing keys, and silently drops fields it does not know. */
    private static MockResponse envs(FakeCoolifyBackend backend, String uuid, JsonNode body) {
        App app = app(backend, uuid);
        if (app == null) {
            return notFound("Application");
        }
        ArrayNode answer = JSON.createArrayNode();
        body.path("data").forEach(e -> {
            app.envs.put(e.path("key").asString().strip().replace(' ', '_'), e.path("value").asString(""));
            answer.addObject().put("uuid", FakeCoolify.uuid()).put("key", e.path("key").asString())
                    .put("value", e.path("value").asString("")).put("is_preview", false);
        });
        return answer(201, answer);
    }

    /** Stops the container; like Coolify's, it does not cancel a queued deployment. */
    private static MockResponse stop(FakeCoolifyBackend backend, String uuid) {
        App app = app(backend, uuid);
        if (app == null) {
            return notFound("Application");
        }
        backend.stop(app);
        return answer(200, message("Application stopping request queued."));
    }

    private static MockResponse deploy(FakeCoolifyBackend backend, String uuid, int queueLimit) {
        App app = app(backend, uuid);
        if (app == null) {
            return notFound("Application");
        }
        ObjectNode answer = JSON.createObjectNode();
        ObjectNode entry = answer.putArray("deployments").addObject().put("resource_uuid", uuid);
        if (backend.inFlight(app)) { // skipped: Coolify answers a deployment uuid it never creates
            entry.put("message", "Deployment already queued for this commit.").put("deployment_uuid", FakeCoolify.uuid());
            return answer(200, answer);
        }
        if (backend.queued() >= queueLimit) {
            return new MockResponse.Builder().code(429).setHeader("Retry-After", "60")
                    .setHeader("Content-Type", "application/json")
                    .body(message("Deployment queue is full. Please try again later.").toString()).build();
        }
        Deployment deployment = backend.queue(app);
        entry.put("message", "Application " + app.name + " deployment queued.").put("deployment_uuid", deployment.uuid);
        return answer(200, answer);
    }

    private static MockResponse deploymentsOf(FakeCoolifyBackend backend, String uuid, HttpUrl url) {
        int skip = Integer.parseInt(url.queryParameter("skip") == null ? "0" : url.queryParameter("skip"));
        int take = Integer.parseInt(url.queryParameter("take") == null ? "10" : url.queryParameter("take"));
        List<Deployment> ofApp = backend.deployments.stream().filter(d -> d.app.uuid.equals(uuid))
                .sorted(Comparator.comparing((Deployment d) -> d.createdAt).reversed()).toList();
        ObjectNode answer = JSON.createObjectNode().put("count", ofApp.size());
        ArrayNode list = answer.putArray("deployments");
        ofApp.stream().skip(skip).limit(take).forEach(d -> list.add(deployment(d)));
        return answer(200, answer);
    }

    private static MockResponse cancel(FakeCoolifyBackend backend, String uuid) {
        Deployment deployment = deployment(backend, uuid);
        if (deployment == null) {
            return notFound("Deployment");
        }
        if (!deployment.status.equals("queued") && !deployment.status.equals("in_progress")) {
            return answer(400, message("Deployment cannot be cancelled. Current status: " + deployment.status));
        }
        deployment.status = "cancelled-by-user";
        return answer(200, JSON.createObjectNode().put("message", "Deployment cancelled successfully.")
                .put("deployment_uuid", uuid).put("status", "cancelled-by-user"));
    }

    private static MockResponse list(List<Deployment> deployments) {
        ArrayNode list = JSON.createArrayNode();
        deployments.forEach(d -> list.add(deployment(d)));
        return answer(200, list);
    }

    static ObjectNode application(App app) {
        ObjectNode node = JSON.createObjectNode().put("uuid", app.uuid).put("name", app.name)
                .put("description", app.description).put("status", app.status).put("build_pack", "dockerimage")
                .put("docker_registry_image_name", app.image).put("docker_registry_image_tag", app.tag);
        ArrayNode tags = node.putArray("tags");
        app.tags.forEach(tags::add);
        return node;
    }

    private static ObjectNode deployment(Deployment d) {
        return JSON.createObjectNode().put("deployment_uuid", d.uuid).put("status", d.status)
                .put("application_name", d.app.name).put("created_at", d.createdAt.toString())
                .put("is_api", true).put("force_rebuild", false);
    }

    private static App app(FakeCoolifyBackend backend, String uuid) {
        return backend.apps.get(uuid);
    }

    private static Deployment deployment(FakeCoolifyBackend backend, String uuid) {
        return backend.deployments.stream().filter(d -> d.uuid.equals(uuid)).findFirst().orElse(null);
    }

    private static MockResponse notFound(String what) {
        return answer(404, message(what + " not found."));
    }
}
