package io.botfleet.platform.coolify;

import io.botfleet.platform.coolify.FakeCoolifyBackend.App;
import io.botfleet.platform.coolify.FakeCoolifyBackend.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake Coolify (app 4.3.11) on OkHttp's MockWebServer, for every Coolify test. Each request is
 * checked against Coolify's OpenAPI document ({@link CoolifySpec}) and against what Coolify's
 * code refuses beyond it (fields PATCH does not allow, empty strings, tags with capitals, an
 * image tag in a PATCHed image name); a request that breaks either is recorded in
 * {@link #violations} and answered 422. It answers with the real response shapes, 405 to GET on
 * state-changing routes, and 429 with {@code Retry-After} when its deployment queue is full.
 */
public final class FakeCoolify implements AutoCloseable {
    public static final String TOKEN = "fake-coolify-token";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Set<String> PATCH_REFUSES = Set.of("project_uuid", "server_uuid", "environment_name",
            "destination_uuid", "dockerfile", "github_app_uuid");

    /** How the application list call can go wrong. */
    public enum ListFailure { NONE, SERVER_ERROR, TOO_SLOW, TRUNCATED }

    /** How deployments can hang in progress: before their container started, or after. */
    public enum Stall { NONE, BEFORE_THE_CONTAINER_STARTED, AFTER_THE_CONTAINER_STARTED }

    private final MockWebServer server = new MockWebServer();
    private final FakeCoolifyBackend backend;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile ListFailure listFailure = ListFailure.NONE;
    private volatile int queueLimit = 25;
    private final Queue<MockResponse> cannedAnswers = new ConcurrentLinkedQueue<>();
    private final Queue<Map.Entry<String, Runnable>> before = new ConcurrentLinkedQueue<>();

    /** @param botCall how long each bot a container runs stays in its call */
    public FakeCoolify(Duration buildTime, Duration botCall) {
        this(buildTime, botCall, 0);
    }

    public FakeCoolify(Duration buildTime, Duration botCall, int port) {
        CoolifySpec.load();
        backend = new FakeCoolifyBackend(buildTime, botCall);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return handle(request);
            }
        });
        try {
            server.start(port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Every request that broke Coolify's document or code, with why. */
    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Every request, as {@code METHOD path}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public void failNextDeployments(int n) {
        backend.failNext(n);
    }

    public void failEveryDeployment(boolean fail) {
        backend.failAlways(fail);
    }

    public void stallDeployments(Stall how) {
        backend.stall(how);
    }

    public void failListing(ListFailure failure) {
        listFailure = failure;
    }

    public void queueLimit(int limit) {
        queueLimit = limit;
    }

    /**
     * Answers the next valid requests with these, in order, instead of acting on them: how a test
     * shows the client a 403, a 500 or a connection that drops before the answer.
     */
    public void answerNext(MockResponse... answers) {
        cannedAnswers.addAll(List.of(answers));
    }

    /**
     * Runs this once when the next application list arrives, before it is answered: how a test
     * makes something happen elsewhere while a caller waits for the list.
     */
    public void beforeNextListing(Runnable meanwhile) {
        beforeNext("GET /applications", meanwhile);
    }

    /**
     * Runs this once when the next request whose {@code METHOD path} is {@code request} (or starts
     * with it, when it ends with a slash: {@code "GET /deployments/"}) arrives, before it is answered or acted on: how a test lands a change elsewhere between a
     * caller's read and its call.
     */
    public void beforeNext(String request, Runnable meanwhile) {
        before.add(Map.entry(request, meanwhile));
    }

    public FakeCoolifyBackend backend() {
        return backend;
    }

    @Override
    public void close() {
        backend.close();
        server.close();
    }

    private MockResponse handle(RecordedRequest request) {
        String method = request.getMethod();
        List<String> path = request.getUrl().pathSegments().subList(2, request.getUrl().pathSegments().size()); // after api/v1
        requests.add(method + " /" + String.join("/", path));
        if (!("Bearer " + TOKEN).equals(request.getHeaders().get("Authorization"))) {
            return answer(401, message("Unauthenticated."));
        }
        if (method.equals("GET") && (path.equals(List.of("deploy")) || path.size() == 3 && path.get(0).equals("applications")
                && Set.of("start", "stop", "restart").contains(path.get(2)))) {
            return new MockResponse.Builder().code(405).setHeader("Allow", "POST")
                    .body(message("This endpoint has changed to a POST request.").toString()).build();
        }
        List<String> broken = new ArrayList<>(CoolifySpec.violations(request));
        JsonNode body = body(request, broken);
        broken.addAll(stricterThanTheSpec(method, path, body));
        if (!broken.isEmpty()) {
            violations.addAll(broken);
            return answer(422, message(String.join("; ", broken)));
        }
        String seen = method + " /" + String.join("/", path);
        before.stream().filter(b -> b.getKey().endsWith("/") ? seen.startsWith(b.getKey()) : seen.equals(b.getKey())).findFirst()
                .filter(before::remove)
                .ifPresent(b -> b.getValue().run()); // outside the backend's lock: it may call this fake itself
        MockResponse canned = cannedAnswers.poll();
        if (canned != null) {
            return canned;
        }
        synchronized (backend) {
            return FakeCoolifyRoutes.route(backend, method, path, request.getUrl(), body, this);
        }
    }

    /** What Coolify's code refuses although its document allows it. */
    private static List<String> stricterThanTheSpec(String method, List<String> path, JsonNode body) {
        List<String> broken = new ArrayList<>();
        if (body == null) {
            return broken;
        }
        body.properties().forEach(field -> {
            if (field.getValue().isString() && field.getValue().asString().isEmpty()) {
                broken.add(field.getKey() + ": an empty string is null to Coolify, and not allowed");
            }
            if (method.equals("PATCH") && path.size() == 2 && PATCH_REFUSES.contains(field.getKey())) {
                broken.add(field.getKey() + ": This field is not allowed.");
            }
        });
        if (method.equals("PATCH") && path.size() == 2 && body.path("docker_registry_image_name").asString("").matches(".*:[^/]*")) {
            broken.add("docker_registry_image_name: comes without its tag on PATCH");
        }
        body.path("tags").forEach(tag -> {
            if (!tag.asString().equals(tag.asString().toLowerCase(java.util.Locale.ROOT))) {
                broken.add("tags: " + tag.asString() + " has capitals; Coolify stores tags lower-cased");
            }
        });
        return broken;
    }

    MockResponse listApplications(List<App> apps) {
        ArrayNode list = JSON.createArrayNode();
        apps.forEach(a -> list.add(FakeCoolifyRoutes.application(a)));
        return switch (listFailure) {
            case NONE -> answer(200, list);
            case SERVER_ERROR -> answer(500, message("Server Error"));
            case TOO_SLOW -> new MockResponse.Builder().code(200).body(list.toString()).headersDelay(30, TimeUnit.SECONDS).build();
            case TRUNCATED -> new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                    .body(list.toString().substring(0, Math.max(1, list.toString().length() / 2))).build();
        };
    }

    int queueLimit() {
        return queueLimit;
    }

    static MockResponse answer(int code, JsonNode body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body.toString()).build();
    }

    static ObjectNode message(String message) {
        return JSON.createObjectNode().put("message", message);
    }

    static String uuid() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static JsonNode body(RecordedRequest request, List<String> broken) {
        String text = request.getBody() == null ? "" : request.getBody().utf8();
        if (text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            broken.add("the body is not JSON: " + e.getMessage());
            return null;
        }
    }
}
