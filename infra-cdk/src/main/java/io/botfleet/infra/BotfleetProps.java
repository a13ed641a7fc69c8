package io.botfleet.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a deployment of botfleet is told (a JSON file, {@code example-props.json} shows every
 * field): the platforms in priority order with their limits and settings, and how the client
 * routes are authorized: IAM, a JWT, or ({@code tenantKeys}) by the HTTP functions themselves,
 * with the operator's token or a tenant's API key. Read once; every
 * missing piece is named at once, so synthesis fails before anything is built.
 */
public record BotfleetProps(List<String> platformPriority, Map<String, Integer> limits, Map<String, String> botImages,
                            JsonNode coolify, JsonNode kubernetes, Ecs ecs, int scheduleMinutes,
                            int processQueueReservedConcurrency, boolean deletionProtection, Jwt jwt,
                            boolean tenantKeys) {
    static final List<String> MEETING_PLATFORMS = List.of("ZOOM", "MICROSOFT_TEAMS", "GOOGLE_MEET");

    /** The ECS side of the stack: where bots run and what the functions may pass to ECS. */
    public record Ecs(String clusterArn, List<String> subnets, List<String> securityGroups,
                      Map<String, String> taskDefinitions, String taskRoleArn, String executionRoleArn) {
    }

    /** A JWT authorizer for the client routes instead of IAM: the token's issuer and accepted audiences. */
    public record Jwt(String issuer, List<String> audience) {
    }

    public static BotfleetProps read(Path file) {
        try {
            return from(new ObjectMapper().readTree(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the stack's props " + file, e);
        }
    }

    public static BotfleetProps from(JsonNode json) {
        List<String> missing = new ArrayList<>();
        List<String> priority = new ArrayList<>();
        json.path("platformPriority").forEach(p -> priority.add(p.asText()));
        if (priority.isEmpty()) {
            missing.add("platformPriority (at least one of coolify, k8s, aws)");
        }
        Map<String, Integer> limits = new LinkedHashMap<>();
        for (String platform : priority) {
            if (!List.of("coolify", "k8s", "aws").contains(platform)) {
                missing.add("platformPriority names '" + platform + "'; in AWS: coolify, k8s or aws");
            } else if (json.path("limits").path(platform).asInt(0) < 1) {
                missing.add("limits." + platform);
            } else {
                limits.put(platform, json.path("limits").path(platform).asInt());
            }
        }
        Map<String, String> images = strings(json.path("botImages"));
        if ((priority.contains("coolify") || priority.contains("k8s")) && !images.keySet().containsAll(MEETING_PLATFORMS)) {
            missing.add("botImages." + String.join(", botImages.", MEETING_PLATFORMS));
        }
        require(priority.contains("coolify"), json.path("coolify"), List.of("apiUrl", "apiTokenSecretArn", "projectUuid",
                "serverUuid"), "coolify", missing);
        require(priority.contains("k8s"), json.path("kubernetes"), List.of("namespace", "kubeconfigSecretArn"), "kubernetes",
                missing);
        Ecs ecs = null;
        if (priority.contains("aws")) {
            JsonNode e = json.path("ecs");
            require(true, e, List.of("clusterArn", "taskRoleArn", "executionRoleArn"), "ecs", missing);
            ecs = new Ecs(e.path("clusterArn").asText(null), list(e.path("subnets")), list(e.path("securityGroups")),
                    strings(e.path("taskDefinitions")), e.path("taskRoleArn").asText(null), e.path("executionRoleArn").asText(null));
            if (ecs.subnets().isEmpty()) {
                missing.add("ecs.subnets");
            }
            if (!ecs.taskDefinitions().keySet().containsAll(MEETING_PLATFORMS)) {
                missing.add("ecs.taskDefinitions." + String.join(", ecs.taskDefinitions.", MEETING_PLATFORMS));
            }
        }
        Jwt jwt = null;
        if (json.has("jwt")) {
            jwt = new Jwt(json.path("jwt").path("issuer").asText(null), list(json.path("jwt").path("audience")));
            if (jwt.issuer() == null || jwt.audience().isEmpty()) {
                missing.add("jwt.issuer and jwt.audience (or no jwt: IAM authorization)");
            }
        }
        boolean tenantKeys = json.path("tenantKeys").asBoolean(false);
        if (tenantKeys && jwt != null) {
            missing.add("one of jwt and tenantKeys: API Gateway's JWT authorizer would refuse a tenant's key before the "
                    + "functions see it");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the stack's props lack: " + String.join("; ", missing));
        }
        return new BotfleetProps(priority, limits, images, json.path("coolify"), json.path("kubernetes"), ecs,
                json.path("scheduleMinutes").asInt(1), json.path("processQueueReservedConcurrency").asInt(2),
                json.path("deletionProtection").asBoolean(true), jwt, tenantKeys);
    }

    private static void require(boolean named, JsonNode node, List<String> fields, String prefix, List<String> missing) {
        if (named) {
            fields.stream().filter(f -> node.path(f).asText("").isBlank()).forEach(f -> missing.add(prefix + "." + f));
        }
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> values = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }

    private static List<String> list(JsonNode node) {
        List<String> values = new ArrayList<>();
        node.forEach(v -> values.add(v.asText()));
        return values;
    }
}
