package io.botfleet.infra;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/** botfleet on AWS: the database and its schema, the secrets, the functions, the HTTP API, the triggers and the alarms. */
public final class BotfleetStack extends Stack {

    public BotfleetStack(Construct scope, String id, StackProps stackProps, BotfleetProps props) {
        super(scope, id, stackProps);
        Database database = new Database(this, "Database", props.deletionProtection());
        Secret botTokenSecret = Secret.Builder.create(this, "BotTokenSecret")
                .description("botfleet: the key of the per-bot callback tokens")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(48).excludePunctuation(true).build())
                .build();
        WebhookSecret webhookSecret = new WebhookSecret(this, "WebhookSecret");
        // with tenant keys the functions authorize the client routes: the operator's token is this secret
        Secret apiTokenSecret = !props.tenantKeys() ? null : Secret.Builder.create(this, "ApiTokenSecret")
                .description("botfleet: the operator's API token (BOTFLEET_API_TOKEN), which sees every tenant")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(48).excludePunctuation(true).build())
                .build();
        Triggers triggers = new Triggers(this, "Triggers");
        Api api = new Api(this, "Api");
        Functions functions = new Functions(this, "Functions", props, database.cluster(), botTokenSecret,
                webhookSecret.value(), apiTokenSecret, triggers.capacityReleased(), api.url());
        Schema schema = new Schema(this, "Schema", database.cluster());
        functions.aliases().forEach(alias -> alias.getNode().addDependency(schema)); // the schema first
        api.route(functions, props.jwt(), props.tenantKeys());
        triggers.wire(functions, props);
        new Alarms(this, "Alarms", functions, triggers.deadLetterQueues());
        NagAnswers.apply(this, props.tenantKeys() ? Api.clientRoutePaths() : java.util.List.of(), props.ecs() == null ? "" : "Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/"
                + props.ecs().clusterArn().substring(props.ecs().clusterArn().lastIndexOf('/') + 1) + "/*");
        CfnOutput.Builder.create(this, "ApiUrl").value(api.url()).build();
        CfnOutput.Builder.create(this, "WebhookSecretArn").value(webhookSecret.value().getSecretArn())
                .description("the secret whose value receivers verify the status webhooks' signatures with").build();
        if (apiTokenSecret != null) {
            CfnOutput.Builder.create(this, "ApiTokenSecretArn").value(apiTokenSecret.getSecretArn())
                    .description("the secret whose value is the operator's API token (Authorization: Bearer)").build();
        }
    }
}
