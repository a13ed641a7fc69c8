package io.botfleet.platform.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local Kubernetes API server with just what the Kubernetes adapter asks of one: Jobs
 * (create, with 409 AlreadyExists; read; delete; list by label) and Secrets (create) in any
 * namespace, and pod lists (always empty: no controller runs the Jobs). For tests and
 * benchmarks that cannot use fabric8's mock server (the functions module has it not), every
 * request recorded. {@link #kubeconfig} points a client at it.
 */
public final class FakeKubernetesApi implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.shared();

    private final MockWebServer server = new MockWebServer();
    private final Map<String, ObjectNode> objects = new LinkedHashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    public FakeKubernetesApi() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return handle(request);
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig (its YAML) for this server, with a bearer token and this namespace. */
    public String kubeconfig(String namespace) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: http://127.0.0.1:%d
                  name: fake
                contexts:
                - context:
                    cluster: fake
                    namespace: %s
                    user: fake
                  name: fake
                current-context: fake
                users:
                - name: fake
                  user:
                    token: fake-kubernetes-token
                """.formatted(server.getPort(), namespace);
    }

    /** Every request, as {@code METHOD /path}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public synchronized int jobs() {
        return (int) objects.keySet().stream().filter(k -> k.startsWith("jobs/")).count();
    }

    private synchronized MockResponse handle(RecordedRequest request) {
        String method = request.getMethod();
        List<String> path = request.getUrl().pathSegments();
        requests.add(method + " " + request.getUrl().encodedPath());
        // /apis/batch/v1/namespaces/{ns}/jobs[/{name}] or /api/v1/namespaces/{ns}/{secrets|pods}[/{name}]
        int at = path.indexOf("namespaces");
        if (at < 0 || path.size() < at + 3) {
            return status(404, "NotFound", "no such path");
        }
        String kind = path.get(at + 2);
        String key = kind + "/" + path.get(at + 1) + "/" + (path.size() > at + 3 ? path.get(at + 3) : "");
        return switch (method + " " + kind + (path.size() > at + 3 ? "/one" : "")) {
            case "POST jobs", "POST secrets" -> create(kind, path.get(at + 1), request);
            case "GET jobs/one" -> objects.containsKey(key) ? answer(200, objects.get(key)) : status(404, "NotFound", key);
            case "DELETE jobs/one" -> objects.containsKey(key) ? answer(200, objects.remove(key)) : status(404, "NotFound", key);
            case "GET jobs" -> list("batch/v1", "JobList", "jobs/" + path.get(at + 1) + "/", request.getUrl().queryParameter("labelSelector"));
            case "GET pods" -> list("v1", "PodList", "pods/" + path.get(at + 1) + "/", null);
            default -> status(405, "MethodNotAllowed", method + " " + kind);
        };
    }

    private MockResponse create(String kind, String namespace, RecordedRequest request) {
        ObjectNode object;
        try {
            object = (ObjectNode) JSON.readTree(request.getBody() == null ? "{}" : request.getBody().utf8());
        } catch (JacksonException e) {
            return status(400, "BadRequest", "not JSON");
        }
        ObjectNode metadata = object.withObjectProperty("metadata");
        String key = kind + "/" + namespace + "/" + metadata.path("name").asString();
        if (objects.containsKey(key)) {
            return status(409, "AlreadyExists", key + " already exists");
        }
        metadata.put("namespace", namespace).put("uid", UUID.randomUUID().toString()).put("resourceVersion", "1")
                .put("creationTimestamp", "2026-01-01T00:00:00Z");
        objects.put(key, object);
        return answer(201, object);
    }

    private MockResponse list(String apiVersion, String kind, String prefix, String labelSelector) {
        ObjectNode list = JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
        list.putObject("metadata");
        var items = list.putArray("items");
        objects.forEach((key, object) -> {
            if (key.startsWith(prefix) && matches(object.path("metadata").path("labels"), labelSelector)) {
                items.add(object);
            }
        });
        return answer(200, list);
    }

    private static boolean matches(JsonNode labels, String selector) {
        if (selector == null || selector.isBlank()) {
            return true;
        }
        for (String term : selector.split(",")) {
            String[] kv = term.split("=", 2);
            if (kv.length != 2 || !kv[1].equals(labels.path(kv[0]).asString(null))) {
                return false;
            }
        }
        return true;
    }

    private static MockResponse status(int code, String reason, String message) {
        return answer(code, JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("reason", reason).put("message", message).put("code", code));
    }

    private static MockResponse answer(int code, JsonNode body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body.toString()).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
