package io.botfleet.platform.aws;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A task as {@link FakeEcs} holds it, and its shape in ECS's answers. */
public final class FakeEcsTask {
    final String arn = "arn:aws:ecs:us-east-1:123456789012:task/bots/" + UUID.randomUUID().toString().replace("-", "");
    String taskDefinition;
    String startedBy;
    String capacityProvider;
    String lastStatus = "PROVISIONING";
    String desiredStatus = "RUNNING";
    String stopCode;
    String stoppedReason;
    Integer exitCode;
    JsonNode request;
    final Map<String, String> tags = new LinkedHashMap<>();
    final Map<String, String> environment = new LinkedHashMap<>();

    ObjectNode json() {
        ObjectNode task = FakeEcs.JSON.createObjectNode().put("taskArn", arn).put("clusterArn", FakeEcs.CLUSTER_ARN)
                .put("taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/" + taskDefinition)
                .put("lastStatus", lastStatus).put("desiredStatus", desiredStatus).put("launchType", "FARGATE")
                .put("capacityProviderName", capacityProvider).put("createdAt", System.currentTimeMillis() / 1000.0);
        if (startedBy != null) {
            task.put("startedBy", startedBy);
        }
        if (stopCode != null && "STOPPED".equals(lastStatus)) {
            task.put("stopCode", stopCode).put("stoppedReason", stoppedReason).put("stoppedAt", System.currentTimeMillis() / 1000.0);
        } else if (stoppedReason != null) {
            task.put("stoppedReason", stoppedReason);
        }
        ObjectNode container = task.putArray("containers").addObject().put("name", "bot").put("lastStatus", lastStatus)
                .put("containerArn", arn.replace(":task/", ":container/"));
        if (exitCode != null) {
            container.put("exitCode", exitCode);
        }
        ArrayNode tagList = task.putArray("tags");
        tags.forEach((k, v) -> tagList.addObject().put("key", k).put("value", v));
        return task;
    }
}
