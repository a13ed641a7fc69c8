package io.botfleet.platform.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A local ECS endpoint that speaks the ECS JSON protocol ({@code X-Amz-Target:
 * AmazonEC2ContainerServiceV20141113.*}, {@code application/x-amz-json-1.1}) to the real SDK
 * client: RunTask (client tokens idempotent for 24 h, a token reused with other parameters a
 * ConflictException naming the task, Spot capacity that can run out, {@code failures[]} on
 * demand), StopTask, DescribeTasks (throttling on demand, unknown tasks in {@code failures[]}
 * as MISSING) and ListTasks (by {@code startedBy}, which must be its only filter, or by desired
 * status, in pages; RUNNING when none is given). Tasks start
 * PROVISIONING and run from the next read on; every request is recorded.
 */
public final class FakeEcs implements AutoCloseable {
    static final String CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/bots";
    static final JsonMapper JSON = JsonMapper.shared();
    private static final String TARGET = "AmazonEC2ContainerServiceV20141113.";
    /** ListTasks' filters other than {@code startedBy} (the cluster and paging are not filters). */
    private static final List<String> FILTERS = List.of("containerInstance", "family", "serviceName", "desiredStatus",
            "launchType");

    private final MockWebServer server = new MockWebServer();
    private final Map<String, FakeEcsTask> tasks = new LinkedHashMap<>();
    private final Map<String, FakeEcsTask> byToken = new LinkedHashMap<>();
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger throttleDescribes = new AtomicInteger();
    private final AtomicInteger failRunTasks = new AtomicInteger();
    private volatile String runTaskFailure = "RESOURCE:MEMORY";
    private volatile boolean spotUnavailable;
    private volatile int pageSize = 100;
    private volatile long runTaskDelayMillis;
    private int peak;

    public FakeEcs() {
        this(0);
    }

    public FakeEcs(int port) {
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

    public String endpoint() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Every call, as {@code Operation {json body}}. */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public synchronized List<FakeEcsTask> tasks() {
        return List.copyOf(tasks.values());
    }

    public synchronized FakeEcsTask task(String arn) {
        return tasks.get(arn);
    }

    /** The next {@code n} DescribeTasks calls are throttled. */
    public void throttleDescribes(int n) {
        throttleDescribes.set(n);
    }

    /** The next {@code n} RunTask calls start nothing and report this failure reason. */
    public void failRunTasks(int n, String reason) {
        runTaskFailure = reason;
        failRunTasks.set(n);
    }

    /** FARGATE_SPOT has no capacity left (RunTask reports it in {@code failures[]}). */
    public void spotUnavailable(boolean unavailable) {
        spotUnavailable = unavailable;
    }

    public void pageSize(int size) {
        pageSize = size;
    }

    /** RunTask answers this late, and starts its task only then: a client that gave up first never learns of it. */
    public void delayRunTasks(long millis) {
        runTaskDelayMillis = millis;
    }

    /** The task's essential container exits with this code: the task stops. */
    public synchronized void exit(String arn, int code) {
        FakeEcsTask task = tasks.get(arn);
        task.lastStatus = "STOPPED";
        task.desiredStatus = "STOPPED";
        task.stopCode = "EssentialContainerExited";
        task.stoppedReason = "Essential container in task exited";
        task.exitCode = code;
    }

    /** Fargate takes the Spot capacity back: the task stops. */
    public synchronized void interrupt(String arn) {
        FakeEcsTask task = tasks.get(arn);
        task.lastStatus = "STOPPED";
        task.desiredStatus = "STOPPED";
        task.stopCode = "SpotInterruption";
        task.stoppedReason = "Your Spot Task was interrupted.";
    }

    /** Tasks ECS was asked to stop finish stopping (their containers had their stop timeout). */
    public synchronized void finishStopping() {
        tasks.values().stream().filter(t -> "STOPPED".equals(t.desiredStatus)).forEach(t -> t.lastStatus = "STOPPED");
    }

    public synchronized long running() {
        return tasks.values().stream().filter(t -> !"STOPPED".equals(t.lastStatus)).count();
    }

    /** The running tasks, by the bot that started them. */
    public synchronized Map<Long, String> runningByBot() {
        Map<Long, String> running = new LinkedHashMap<>();
        tasks.values().stream().filter(t -> "RUNNING".equals(t.desiredStatus) && !"STOPPED".equals(t.lastStatus))
                .forEach(t -> AwsPlatformService.botOfTask(t.startedBy).ifPresent(id -> running.put(id, t.arn)));
        return running;
    }

    /** How many tasks each bot started. */
    public synchronized Map<Long, Integer> startsByBot() {
        Map<Long, Integer> starts = new LinkedHashMap<>();
        tasks.values().forEach(t -> AwsPlatformService.botOfTask(t.startedBy).ifPresent(id -> starts.merge(id, 1, Integer::sum)));
        return starts;
    }

    /** The most tasks not yet stopped at any one time. */
    public synchronized int peak() {
        return peak;
    }

    @Override
    public void close() {
        server.close();
    }

    private MockResponse handle(RecordedRequest request) {
        String target = String.valueOf(request.getHeaders().get("X-Amz-Target"));
        String operation = target.startsWith(TARGET) ? target.substring(TARGET.length()) : target;
        JsonNode body;
        try {
            body = JSON.readTree(request.getBody() == null ? "{}" : request.getBody().utf8());
        } catch (JacksonException e) {
            return error(400, "SerializationException", "the body is not JSON");
        }
        calls.add(operation + " " + body);
        if (operation.equals("RunTask") && runTaskDelayMillis > 0) {
            try {
                Thread.sleep(runTaskDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            return switch (operation) {
                case "RunTask" -> runTask(body);
                case "StopTask" -> stopTask(body);
                case "DescribeTasks" -> describeTasks(body);
                case "ListTasks" -> listTasks(body);
                default -> error(400, "UnknownOperationException", operation);
            };
        }
    }

    private MockResponse runTask(JsonNode body) {
        String token = body.path("clientToken").asString(null);
        FakeEcsTask before = token == null ? null : byToken.get(token);
        if (before != null) {
            if (!before.request.equals(body)) {
                ObjectNode conflict = JSON.createObjectNode().put("__type", "ConflictException")
                        .put("message", "The specified client token has already been used with different parameters.");
                conflict.putArray("resourceIds").add(before.arn);
                return answer(400, conflict);
            }
            return answer(200, runAnswer(List.of(before), List.of()));
        }
        String provider = body.path("capacityProviderStrategy").path(0).path("capacityProvider").asString("FARGATE");
        if (failRunTasks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return answer(200, runAnswer(List.of(), List.of(runTaskFailure)));
        }
        if (spotUnavailable && provider.contains("SPOT")) {
            return answer(200, runAnswer(List.of(), List.of(
                    "Capacity is unavailable at this time. Please try again later or in a different availability zone")));
        }
        FakeEcsTask task = new FakeEcsTask();
        task.request = body;
        task.taskDefinition = body.path("taskDefinition").asString();
        task.startedBy = body.path("startedBy").asString(null);
        task.capacityProvider = provider;
        body.path("tags").forEach(t -> task.tags.put(t.path("key").asString(), t.path("value").asString()));
        body.path("overrides").path("containerOverrides").path(0).path("environment")
                .forEach(e -> task.environment.put(e.path("name").asString(), e.path("value").asString()));
        tasks.put(task.arn, task);
        peak = Math.max(peak, (int) running());
        if (token != null) {
            byToken.put(token, task);
        }
        return answer(200, runAnswer(List.of(task), List.of()));
    }

    private MockResponse stopTask(JsonNode body) {
        FakeEcsTask task = tasks.get(body.path("task").asString());
        if (task == null) {
            return error(400, "InvalidParameterException", "The referenced task was not found.");
        }
        if (!"STOPPED".equals(task.desiredStatus)) {
            task.desiredStatus = "STOPPED";
            task.stopCode = "UserInitiated";
            task.stoppedReason = body.path("reason").asString("Task stopped by user");
        }
        return answer(200, JSON.createObjectNode().set("task", task.json()));
    }

    private MockResponse describeTasks(JsonNode body) {
        if (throttleDescribes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return error(400, "ThrottlingException", "Rate exceeded");
        }
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode found = answer.putArray("tasks");
        ArrayNode failures = answer.putArray("failures");
        body.path("tasks").forEach(arn -> {
            FakeEcsTask task = tasks.get(arn.asString());
            if (task == null) {
                failures.addObject().put("arn", arn.asString()).put("reason", "MISSING");
                return;
            }
            if ("PROVISIONING".equals(task.lastStatus) && "RUNNING".equals(task.desiredStatus)) {
                task.lastStatus = "RUNNING"; // it runs by the time anyone looks again
            }
            found.add(task.json());
        });
        return answer(200, answer);
    }

    private MockResponse listTasks(JsonNode body) {
        String startedBy = body.path("startedBy").asString(null);
        // ECS's rule: "When you specify startedBy as the filter, it must be the only filter that you use."
        if (startedBy != null && FILTERS.stream().anyMatch(body::hasNonNull)) {
            return error(400, "InvalidParameterException", "startedBy must be the only filter");
        }
        String desired = body.path("desiredStatus").asString("RUNNING");
        List<String> arns = tasks.values().stream()
                .filter(t -> startedBy == null || startedBy.equals(t.startedBy))
                .filter(t -> desired.equals("STOPPED") == "STOPPED".equals(t.desiredStatus))
                .map(t -> t.arn).toList();
        int from = body.hasNonNull("nextToken") ? Integer.parseInt(body.get("nextToken").asString()) : 0;
        int size = Math.min(pageSize, body.path("maxResults").asInt(100));
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode page = answer.putArray("taskArns");
        arns.stream().skip(from).limit(size).forEach(page::add);
        if (from + size < arns.size()) {
            answer.put("nextToken", Integer.toString(from + size));
        }
        return answer(200, answer);
    }

    private ObjectNode runAnswer(List<FakeEcsTask> started, List<String> failureReasons) {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode list = answer.putArray("tasks");
        started.forEach(t -> list.add(t.json()));
        ArrayNode failures = answer.putArray("failures");
        failureReasons.forEach(r -> failures.addObject().put("arn", "arn:aws:ecs:us-east-1:123456789012:container-instance/bots")
                .put("reason", r));
        return answer;
    }

    private static MockResponse answer(int code, JsonNode body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/x-amz-json-1.1")
                .setHeader("x-amzn-ErrorType", body.path("__type").asString("")).body(body.toString()).build();
    }

    private static MockResponse error(int code, String type, String message) {
        return answer(code, JSON.createObjectNode().put("__type", type).put("message", message));
    }
}
