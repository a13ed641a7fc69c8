package io.botfleet.infra;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/** botfleet on AWS: the database, the functions, the HTTP API and the triggers. */
public final class BotfleetStack extends Stack {

    public BotfleetStack(Construct scope, String id, StackProps stackProps, BotfleetProps props) {
        super(scope, id, stackProps);
        Database database = new Database(this, "Database", props.deletionProtection());
        Secret botTokenSecret = Secret.Builder.create(this, "BotTokenSecret")
                .description("botfleet: the key of the per-bot callback tokens")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(48).excludePunctuation(true).build())
                .build();
        Triggers triggers = new Triggers(this, "Triggers");
        Api api = new Api(this, "Api");
        Functions functions = new Functions(this, "Functions", props, database.cluster(), botTokenSecret,
                triggers.capacityReleased(), api.url());
        api.route(functions);
        triggers.wire(functions, props);
        CfnOutput.Builder.create(this, "ApiUrl").value(api.url()).build();
    }
}
