package io.botfleet.infra;

import java.util.Map;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.customresources.Provider;
import software.constructs.Construct;

/**
 * The schema, migrated on every deploy before the functions' aliases move: a custom resource
 * whose handler ({@code MigrationsHandler}) applies the migrations through the Data API. It
 * changes with the code, so a new jar runs it again (each migration runs once; Delete does
 * nothing).
 */
final class Schema extends Construct {

    Schema(Construct scope, String id, DatabaseCluster cluster) {
        super(scope, id);
        Function migrate = Function.Builder.create(this, "Migrate")
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .code(Code.fromAsset(Functions.JAR))
                .handler("io.botfleet.functions.MigrationsHandler")
                .memorySize(1024)
                .timeout(Duration.minutes(5))
                .loggingFormat(LoggingFormat.JSON)
                .environment(Map.of("DB_MODE", "data-api", "DB_CLUSTER_ARN", cluster.getClusterArn(),
                        "DB_SECRET_ARN", cluster.getSecret().getSecretArn(), "DB_NAME", Database.NAME))
                .build();
        cluster.grantDataApiAccess(migrate);
        Provider provider = Provider.Builder.create(this, "Provider").onEventHandler(migrate).build();
        CustomResource.Builder.create(this, "Migrations").serviceToken(provider.getServiceToken())
                .resourceType("Custom::BotfleetSchema")
                .properties(Map.of("CodeVersion", migrate.getCurrentVersion().getVersion()))
                .build();
    }
}
