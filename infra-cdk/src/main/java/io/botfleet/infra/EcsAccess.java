package io.botfleet.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Arn;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Function;

/**
 * What each function may ask of ECS, and no more: RunTask on the bots' task definitions only,
 * the other task calls only on the bots' cluster, and PassRole only for the bot task and
 * execution roles, only to ECS tasks.
 */
final class EcsAccess {
    private EcsAccess() {
    }

    static void grant(Map<String, Function> functions, BotfleetProps.Ecs ecs) {
        Map<String, Object> onCluster = Map.of("ArnEquals", Map.of("ecs:cluster", ecs.clusterArn()));
        PolicyStatement run = PolicyStatement.Builder.create().actions(List.of("ecs:RunTask"))
                .resources(List.copyOf(ecs.taskDefinitions().values())).conditions(onCluster).build();
        PolicyStatement tag = PolicyStatement.Builder.create().actions(List.of("ecs:TagResource"))
                .resources(List.of(taskArns(functions.values().iterator().next(), ecs)))
                .conditions(Map.of("StringEquals", Map.of("ecs:CreateAction", "RunTask"))).build();
        PolicyStatement pass = PolicyStatement.Builder.create().actions(List.of("iam:PassRole"))
                .resources(List.of(ecs.taskRoleArn(), ecs.executionRoleArn()))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"))).build();
        PolicyStatement stop = onCluster(functions, ecs, "ecs:StopTask");
        PolicyStatement read = onCluster(functions, ecs, "ecs:DescribeTasks");
        PolicyStatement list = PolicyStatement.Builder.create().actions(List.of("ecs:ListTasks"))
                .resources(List.of("*")).conditions(onCluster).build(); // ListTasks has no resource type
        for (String name : List.of("Deploy", "ProcessQueue", "CapacityReleased")) {
            List.of(run, tag, pass).forEach(functions.get(name)::addToRolePolicy);
        }
        for (String name : List.of("Deploy", "Stop", "ProcessQueue", "CapacityReleased", "EcsTaskEvents")) {
            List.of(stop, read, list).forEach(functions.get(name)::addToRolePolicy);
        }
        functions.get("Status").addToRolePolicy(read);
    }

    private static PolicyStatement onCluster(Map<String, Function> functions, BotfleetProps.Ecs ecs, String action) {
        return PolicyStatement.Builder.create().actions(List.of(action))
                .resources(List.of(taskArns(functions.values().iterator().next(), ecs)))
                .conditions(Map.of("ArnEquals", Map.of("ecs:cluster", ecs.clusterArn()))).build();
    }

    /** The tasks of the bots' cluster: {@code arn:...:task/<cluster name>/*}. */
    private static String taskArns(Function any, BotfleetProps.Ecs ecs) {
        String cluster = Arn.split(ecs.clusterArn(), ArnFormat.SLASH_RESOURCE_NAME).getResourceName();
        return Arn.format(ArnComponents.builder().service("ecs").resource("task").resourceName(cluster + "/*")
                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build(), Stack.of(any));
    }
}
