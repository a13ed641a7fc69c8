package io.botfleet.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.sqs.IQueue;

/**
 * The functions' settings, as docs/settings.md names them, from the stack's props. Secrets
 * are passed as {@code X_SECRET_ARN}: the value stays in Secrets Manager, never in the
 * function's configuration.
 */
final class Environment {
    private Environment() {
    }

    static Map<String, String> of(BotfleetProps props, DatabaseCluster cluster, ISecret botTokenSecret, IQueue capacity) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DB_MODE", "data-api");
        env.put("DB_CLUSTER_ARN", cluster.getClusterArn());
        env.put("DB_SECRET_ARN", cluster.getSecret().getSecretArn());
        env.put("DB_NAME", Database.NAME);
        env.put("BOT_TOKEN_SECRET_SECRET_ARN", botTokenSecret.getSecretArn());
        env.put("CAPACITY_QUEUE_URL", capacity.getQueueUrl());
        env.put("PLATFORM_PRIORITY", String.join(",", props.platformPriority()));
        props.limits().forEach((platform, limit) -> env.put(platform.toUpperCase() + "_BOT_LIMIT", Integer.toString(limit)));
        props.botImages().forEach((meeting, image) -> env.put("BOT_IMAGE_" + meeting, image));
        if (props.platformPriority().contains("coolify")) {
            env.put("COOLIFY_API_URL", props.coolify().path("apiUrl").asText());
            env.put("COOLIFY_API_TOKEN_SECRET_ARN", props.coolify().path("apiTokenSecretArn").asText());
            env.put("COOLIFY_PROJECT_UUID", props.coolify().path("projectUuid").asText());
            env.put("COOLIFY_SERVER_UUID", props.coolify().path("serverUuid").asText());
        }
        if (props.platformPriority().contains("k8s")) {
            env.put("K8S_NAMESPACE", props.kubernetes().path("namespace").asText());
            env.put("K8S_KUBECONFIG_CONTENT_SECRET_ARN", props.kubernetes().path("kubeconfigSecretArn").asText());
        }
        if (props.ecs() != null) {
            env.put("ECS_CLUSTER", props.ecs().clusterArn());
            env.put("ECS_SUBNETS", String.join(",", props.ecs().subnets()));
            env.put("ECS_SECURITY_GROUPS", String.join(",", props.ecs().securityGroups()));
            props.ecs().taskDefinitions().forEach((meeting, arn) -> env.put("ECS_TASK_DEFINITION_" + meeting, arn));
        }
        return env;
    }

    /** The secrets the platforms' settings name (each function may read these and no other). */
    static List<String> secretsOf(BotfleetProps props) {
        List<String> arns = new ArrayList<>();
        if (props.platformPriority().contains("coolify")) {
            arns.add(props.coolify().path("apiTokenSecretArn").asText());
        }
        if (props.platformPriority().contains("k8s")) {
            arns.add(props.kubernetes().path("kubeconfigSecretArn").asText());
        }
        return arns;
    }
}
