package io.botfleet.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.amazon.awscdk.Stack;

/**
 * The cdk-nag (AwsSolutions) findings this stack answers with a reason instead of a change, each
 * as narrow as cdk-nag allows: the rule, and where it names them, the exact wildcard or policy.
 */
final class NagAnswers {
    private NagAnswers() {
    }

    /** @param functionAuthorized the client routes the functions authorize (tenant keys), by their construct paths; or none */
    static void apply(Stack stack, List<String> functionAuthorized, String ecsTasksOfCluster) {
        NagSuppressions.addStackSuppressions(stack, List.of(
                suppress("AwsSolutions-L1", "java21 is the Lambda runtime botfleet is built for (release 21, SnapStart)"),
                suppressOnly("AwsSolutions-IAM4", "the standard Lambda logging policy: CloudWatch Logs writes only",
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
                suppressOnly("AwsSolutions-IAM5", "ECS task ARNs exist only after RunTask: the bots' cluster's tasks, "
                        + "and every statement is also conditioned on ecs:cluster", ecsTasksOfCluster),
                suppressOnly("AwsSolutions-IAM5", "ecs:ListTasks has no resource type; the statement is conditioned on "
                        + "ecs:cluster", "Resource::*"),
                suppressOnly("AwsSolutions-IAM5", "the CDK provider framework invokes the schema function's versions",
                        "Resource::<SchemaMigrate4355B4FC.Arn>:*")));
        for (String route : List.of("POST--bots--{id}--status", "GET--bots--{id}--config")) {
            NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Api/Http/" + route + "/Resource",
                    List.of(suppress("AwsSolutions-APIG4", "a bot's own route: the handler checks the per-bot token "
                            + "(an HMAC of the bot id), which a bot container has and IAM credentials it has not")));
        }
        for (String route : functionAuthorized) {
            NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Api/Http/" + route + "/Resource",
                    List.of(suppress("AwsSolutions-APIG4", "tenant keys: the function checks the operator's token or a "
                            + "tenant's API key on every request (docs/deploy-aws.md); an IAM or JWT authorizer would "
                            + "refuse a tenant's key before the function sees it")));
        }
        if (!functionAuthorized.isEmpty()) {
            NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/ApiTokenSecret/Resource",
                    List.of(suppress("AwsSolutions-SMG4", "the operator's API token is held by the operator's clients: "
                            + "a new one must reach them first, so it is changed by hand (docs/deploy-aws.md)")));
        }
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Api/Http/GET--openapi.json/Resource",
                List.of(suppress("AwsSolutions-APIG4", "the API's public OpenAPI document: no data, no action")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Api/Http/GET--/Resource",
                List.of(suppress("AwsSolutions-APIG4", "the dashboard page: no data, no action; the page reads the"
                        + " client routes, which are authorized, with the credentials its user gives it")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/BotTokenSecret/Resource",
                List.of(suppress("AwsSolutions-SMG4", "the key of the bots' callback tokens must outlive every bot it "
                        + "signed; rotating it would lock out running bots")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/WebhookSecret/Value/Resource",
                List.of(suppress("AwsSolutions-SMG4", "the webhook signing key is shared with every receiver, which "
                        + "verifies with it; a new key must be handed to them first, so it is changed by hand "
                        + "(docs/deploy-aws.md)")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/WebhookSecret/KeyMaterial/Resource",
                List.of(suppress("AwsSolutions-SMG4", "read only by CloudFormation, once, to make the webhook signing "
                        + "key; no function reads it, so rotating it would change nothing")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Database/Cluster/Secret/Resource",
                List.of(suppress("AwsSolutions-SMG4", "rotation needs a rotation function with a route to Secrets "
                        + "Manager, and the database VPC is isolated by design; the Data API reads the secret per call, "
                        + "so rotation can be added without touching the functions")));
        NagSuppressions.addResourceSuppressionsByPath(stack, "/" + stack.getStackName() + "/Triggers/EcsEventsDlq/Resource",
                List.of(suppress("AwsSolutions-SQS3", "it is itself the dead-letter queue of the ECS event rule's target")));
    }

    private static NagPackSuppression suppress(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }

    private static NagPackSuppression suppressOnly(String id, String reason, String appliesTo) {
        return NagPackSuppression.builder().id(id).reason(reason).appliesTo(List.of(appliesTo)).build();
    }
}
