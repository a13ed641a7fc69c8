package io.botfleet.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.rds.AuroraPostgresEngineVersion;
import software.amazon.awscdk.services.rds.AuroraPostgresClusterEngineProps;
import software.amazon.awscdk.services.rds.ClusterInstance;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterEngine;
import software.amazon.awscdk.services.rds.IClusterEngine;
import software.amazon.awscdk.services.rds.ParameterGroup;
import software.constructs.Construct;

/**
 * Aurora PostgreSQL Serverless v2 (the embedded database's major, 17) reached only through the
 * Data API: no function runs in the VPC, so the VPC has isolated subnets and no NAT. It pauses at
 * 0 ACU when idle; credentials are generated into Secrets Manager; the cluster's time zone is UTC.
 */
final class Database extends Construct {
    static final String NAME = "botfleet";
    private final DatabaseCluster cluster;

    Database(Construct scope, String id, boolean deletionProtection) {
        super(scope, id);
        Vpc vpc = Vpc.Builder.create(this, "Vpc").maxAzs(2).natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder().name("database")
                        .subnetType(SubnetType.PRIVATE_ISOLATED).cidrMask(24).build()))
                .build();
        vpc.addFlowLog("FlowLog"); // rejected and accepted traffic of the database's network, to CloudWatch
        IClusterEngine engine = DatabaseClusterEngine.auroraPostgres(AuroraPostgresClusterEngineProps.builder()
                .version(AuroraPostgresEngineVersion.VER_17_6).build());
        cluster = DatabaseCluster.Builder.create(this, "Cluster")
                .engine(engine)
                .writer(ClusterInstance.serverlessV2("writer"))
                .serverlessV2MinCapacity(0)
                .serverlessV2MaxCapacity(4)
                .enableDataApi(true)
                .defaultDatabaseName(NAME)
                .credentials(Credentials.fromGeneratedSecret("botfleet_admin"))
                // timestamps are stored and compared as UTC whatever a session says (the adapters send UTC)
                .parameterGroup(ParameterGroup.Builder.create(this, "Parameters").engine(engine)
                        .parameters(Map.of("timezone", "UTC")).build())
                .storageEncrypted(true)
                .iamAuthentication(true)
                .deletionProtection(deletionProtection)
                .removalPolicy(deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY)
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build())
                .build();
    }

    DatabaseCluster cluster() {
        return cluster;
    }
}
