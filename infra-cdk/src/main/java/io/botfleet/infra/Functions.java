package io.botfleet.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The functions, each from the one jar the build produces ({@code functions/target/botfleet-lambda.jar}):
 * java21 on arm64, SnapStart on published versions behind a {@code live} alias, Lambda's JSON log
 * format, and a policy naming only what each one calls.
 */
final class Functions extends Construct {
    static final String JAR = "../functions/target/botfleet-lambda.jar";
    /** What sends status webhooks: the deploy and the bots' callbacks at once after a change, the drains what is due. */
    static final List<String> WEBHOOK_SENDERS = List.of("Deploy", "Status", "ProcessQueue", "CapacityReleased");

    private final Map<String, Alias> aliases = new LinkedHashMap<>();
    private final Map<String, Function> functions = new LinkedHashMap<>();

    /** What serves the HTTP routes: with tenant keys, what checks the operator's token. */
    static final List<String> HTTP = List.of("Deploy", "Stop", "Status", "Tenants");

    /** @param apiTokenSecret the operator's API token, when the functions authorize the client routes; else null */
    Functions(Construct scope, String id, BotfleetProps props, DatabaseCluster cluster, ISecret botTokenSecret,
              ISecret webhookSecret, ISecret apiTokenSecret, IQueue capacityReleased, String apiUrl) {
        super(scope, id);
        Map<String, String> environment = new LinkedHashMap<>(Environment.of(props, cluster, botTokenSecret, capacityReleased));
        environment.put("BOTFLEET_CALLBACK_URL", apiUrl);
        Map<String, String> sending = new LinkedHashMap<>(environment);
        sending.put("WEBHOOK_SECRET_SECRET_ARN", webhookSecret.getSecretArn());
        add("Deploy", "io.botfleet.functions.DeployBotHandler", 15, sending);
        add("Stop", "io.botfleet.functions.StopBotHandler", 15, environment);
        add("Status", "io.botfleet.functions.BotStatusHandler", 15, sending);
        add("Tenants", "io.botfleet.functions.TenantsHandler", 15, environment);
        // one drain runs at a time anyway (a lease in the database): more instances would only wait
        int drainers = props.processQueueReservedConcurrency();
        add("ProcessQueue", "io.botfleet.functions.ProcessQueueHandler", 120, sending, drainers);
        add("CapacityReleased", "io.botfleet.functions.ProcessQueueHandler::handleCapacityReleased", 120, sending, drainers);
        add("EcsTaskEvents", "io.botfleet.functions.EcsTaskStateHandler", 60, environment);
        WEBHOOK_SENDERS.forEach(name -> webhookSecret.grantRead(functions.get(name)));
        if (apiTokenSecret != null) {
            for (String name : HTTP) {
                functions.get(name).addEnvironment("BOTFLEET_API_TOKEN_SECRET_ARN", apiTokenSecret.getSecretArn());
                apiTokenSecret.grantRead(functions.get(name));
            }
        }
        for (Function function : functions.values()) {
            cluster.grantDataApiAccess(function);
            botTokenSecret.grantRead(function);
            capacityReleased.grantSendMessages(function);
            Environment.secretsOf(props).forEach(arn -> function.addToRolePolicy(PolicyStatement.Builder.create()
                    .actions(List.of("secretsmanager:GetSecretValue")).resources(List.of(arn)).build()));
        }
        if (props.ecs() != null) {
            EcsAccess.grant(functions, props.ecs());
        }
    }

    private void add(String name, String handler, int timeoutSeconds, Map<String, String> environment) {
        add(name, handler, timeoutSeconds, environment, null);
    }

    private void add(String name, String handler, int timeoutSeconds, Map<String, String> environment, Integer reserved) {
        Function function = Function.Builder.create(this, name)
                .reservedConcurrentExecutions(reserved)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .code(Code.fromAsset(JAR))
                .handler(handler)
                .memorySize(1024)
                .timeout(Duration.seconds(timeoutSeconds))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .loggingFormat(LoggingFormat.JSON)
                .environment(environment)
                .build();
        functions.put(name, function);
        aliases.put(name, Alias.Builder.create(this, name + "Live").aliasName("live")
                .version(function.getCurrentVersion()).build());
    }

    /** The {@code live} alias of a function: every trigger calls it, so each call gets a SnapStart version. */
    Alias alias(String name) {
        return aliases.get(name);
    }

    java.util.Collection<Alias> aliases() {
        return aliases.values();
    }

    Map<String, Function> all() {
        return functions;
    }
}
