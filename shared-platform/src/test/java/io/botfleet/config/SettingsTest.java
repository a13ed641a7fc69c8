package io.botfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final Map<String, String> REQUIRED = Map.of("BOT_TOKEN_SECRET", "0123456789abcdef",
            "BOTFLEET_CALLBACK_URL", "http://127.0.0.1:8080");

    @Test
    void durationsAreWrittenWithAUnit() {
        assertThat(Env.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Env.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Env.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Env.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Env.parseDuration("30d")).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        Settings settings = Settings.from(REQUIRED, Map.of("LOCAL_BOT_LIMIT", "5"));
        assertThat(settings.platformPriority()).containsExactly("local");
        assertThat(settings.botLimits()).containsEntry("local", 5);
        assertThat(settings.globalQueueTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.scheduleLead()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.botSimDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.retention()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void everyMalformedSettingIsNamedInOneMessage() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("PLATFORM_PRIORITY", "k8s,mainframe", "K8S_BOT_LIMIT", "zero",
                "GLOBAL_QUEUE_TIMEOUT", "10 minutes", "SCHEDULE_LEAD", "5"));
        assertThatThrownBy(() -> Settings.from(env, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("K8S_BOT_LIMIT must be a whole number of 1 or more")
                .hasMessageContaining("GLOBAL_QUEUE_TIMEOUT must be a duration")
                .hasMessageContaining("SCHEDULE_LEAD must be a duration")
                .hasMessageContaining("PLATFORM_PRIORITY names an unknown platform (entry 2 of 2");
    }

    @Test
    void aPlatformInThePriorityNeedsItsLimitAndTheSecretIsRequired() {
        assertThatThrownBy(() -> Settings.from(Map.of("PLATFORM_PRIORITY", "aws"), Map.of()))
                .hasMessageContaining("AWS_BOT_LIMIT is required")
                .hasMessageContaining("BOT_TOKEN_SECRET is required");
    }

    /** The AWS stack's generated key: whsec_ and 44 letters and digits (base64 characters: 33 bytes). */
    @Test
    void aWebhookSecretAsTheAwsStackGeneratesItIsAccepted() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("LOCAL_BOT_LIMIT", "1", "WEBHOOK_SECRET", "whsec_" + "Zx9q".repeat(11)));
        assertThat(Settings.from(env, Map.of()).webhookSecret()).isEqualTo("whsec_" + "Zx9q".repeat(11));
        env.put("WEBHOOK_SECRET", "whsec_" + "Zx9q".repeat(7)); // 21 bytes
        assertThatThrownBy(() -> Settings.from(env, Map.of())).hasMessageContaining("WEBHOOK_SECRET must be whsec_");
    }

    /** RETENTION is a duration of at least an hour; a bad one is named, never quoted. */
    @Test
    void aMalformedOrTooShortRetentionIsNamedWithoutItsValue() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("LOCAL_BOT_LIMIT", "1", "RETENTION", "forever-and-a-day"));
        assertThatThrownBy(() -> Settings.from(env, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("RETENTION must be a duration").hasMessageNotContaining("forever-and-a-day");
        env.put("RETENTION", "59m");
        assertThatThrownBy(() -> Settings.from(env, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("RETENTION must be").hasMessageNotContaining("59m");
    }

    @Test
    void aLeaseShorterThanARoundOfPlatformCallsIsRefused() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("LOCAL_BOT_LIMIT", "1", "QUEUE_LEASE", "30s", "PLATFORM_CALL_TIMEOUT", "30s"));
        assertThatThrownBy(() -> Settings.from(env, Map.of())).hasMessageContaining("QUEUE_LEASE");
    }

    @Test
    void coolifySettingsHaveTheirDefaultsAndEachMalformedOneIsNamed() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("PLATFORM_PRIORITY", "coolify,local", "COOLIFY_BOT_LIMIT", "10", "LOCAL_BOT_LIMIT", "2",
                "COOLIFY_API_URL", "https://coolify.example.com", "COOLIFY_API_TOKEN", "t", "COOLIFY_PROJECT_UUID", "p",
                "COOLIFY_SERVER_UUID", "s", "BOT_IMAGE_ZOOM", "ghcr.io/acme/zoom-bot:1.4",
                "BOT_IMAGE_MICROSOFT_TEAMS", "ghcr.io/acme/teams-bot:1.4", "BOT_IMAGE_GOOGLE_MEET", "ghcr.io/acme/meet-bot"));
        Settings settings = Settings.from(env, Map.of());
        assertThat(settings.coolify().environmentName()).isEqualTo("production");
        assertThat(settings.coolify().destinationUuid()).isNull();
        assertThat(settings.coolify().maxConcurrentDeploys()).isEqualTo(2);
        assertThat(settings.coolify().deployTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(BotImages.tag(settings.botImages().of(io.botfleet.bot.MeetingPlatform.GOOGLE_MEET))).isEqualTo("latest");

        env.putAll(Map.of("COOLIFY_API_URL", "coolify.example.com", "COOLIFY_MAX_CONCURRENT_DEPLOYS", "0",
                "COOLIFY_DEPLOY_TIMEOUT", "five minutes", "BOT_IMAGE_ZOOM", "ghcr.io/acme/zoom bot"));
        env.remove("COOLIFY_API_TOKEN");
        assertThatThrownBy(() -> Settings.from(env, Map.of()))
                .hasMessageContaining("COOLIFY_API_URL must be an http(s) URL such as https://coolify.example.com")
                .hasMessageContaining("COOLIFY_API_TOKEN is required")
                .hasMessageContaining("COOLIFY_MAX_CONCURRENT_DEPLOYS must be a whole number of 1 or more")
                .hasMessageContaining("COOLIFY_DEPLOY_TIMEOUT must be a duration")
                .hasMessageContaining("BOT_IMAGE_ZOOM must be an image reference");
    }

    @Test
    void kubernetesSettingsHaveTheirDefaultsAndEachMalformedOneIsNamed() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "10", "BOT_IMAGE_ZOOM", "z:1",
                "BOT_IMAGE_MICROSOFT_TEAMS", "t:1", "BOT_IMAGE_GOOGLE_MEET", "m:1"));
        KubernetesSettings k8s = Settings.from(env, Map.of()).kubernetes();
        assertThat(k8s.namespace()).isEqualTo("default");
        assertThat(k8s.stopGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(k8s.jobTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(k8s.maxRuntime()).isEqualTo(Duration.ofHours(4));
        assertThat(k8s.memory()).isEqualTo("2Gi");

        env.putAll(Map.of("K8S_NAMESPACE", "Bots!", "K8S_BOT_MEMORY", "lots", "K8S_KUBECONFIG", "/nowhere/kubeconfig",
                "K8S_STOP_GRACE", "soon"));
        assertThatThrownBy(() -> Settings.from(env, Map.of()))
                .hasMessageContaining("K8S_NAMESPACE must be a Kubernetes name")
                .hasMessageContaining("K8S_BOT_MEMORY must be a Kubernetes quantity")
                .hasMessageContaining("K8S_KUBECONFIG names no readable file")
                .hasMessageContaining("K8S_STOP_GRACE must be a duration");
    }

    @Test
    void ecsSettingsHaveTheirDefaultsAndEachMalformedOneIsNamed() {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("PLATFORM_PRIORITY", "aws", "AWS_BOT_LIMIT", "10", "ECS_CLUSTER", "bots",
                "ECS_SUBNETS", "subnet-a", "ECS_TASK_DEFINITION_ZOOM", "zoom-bot", "ECS_TASK_DEFINITION_MICROSOFT_TEAMS",
                "teams-bot", "ECS_TASK_DEFINITION_GOOGLE_MEET", "meet-bot:7"));
        Settings settings = Settings.from(env, Map.of());
        assertThat(settings.botImages()).as("the images are in the task definitions: no BOT_IMAGE_* needed").isNull();
        EcsSettings ecs = settings.ecs();
        assertThat(ecs.capacityProviders()).containsExactly(new EcsSettings.CapacityProvider("FARGATE_SPOT", 1, 0));
        assertThat(ecs.fallbackCapacityProvider()).isEqualTo("FARGATE");
        assertThat(ecs.assignPublicIp()).isFalse();
        assertThat(ecs.containerName()).isEqualTo("bot");
        assertThat(ecs.runTaskRate()).isEqualTo(10);

        env.putAll(Map.of("ECS_CAPACITY_PROVIDERS", "FARGATE_SPOT:x", "ECS_ASSIGN_PUBLIC_IP", "yes",
                "ECS_ENDPOINT", "localhost", "ECS_SUBNETS", " "));
        env.remove("ECS_TASK_DEFINITION_ZOOM");
        assertThatThrownBy(() -> Settings.from(env, Map.of()))
                .hasMessageContaining("ECS_CAPACITY_PROVIDERS must list NAME[:weight[:base]]")
                .hasMessageContaining("ECS_ASSIGN_PUBLIC_IP must be ENABLED or DISABLED")
                .hasMessageContaining("ECS_ENDPOINT must be a URL")
                .hasMessageContaining("ECS_SUBNETS is required")
                .hasMessageContaining("ECS_TASK_DEFINITION_ZOOM is required");
    }

    /** A secret given to the wrong setting by mistake: each bad setting is named, none quoted. */
    @Test
    void aMalformedSettingIsNamedAndItsValueIsNeverQuoted() {
        String secret = "Planted-Secret-7Kq";
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.putAll(Map.of("PLATFORM_PRIORITY", "coolify,k8s,aws," + secret, "COOLIFY_BOT_LIMIT", secret,
                "K8S_BOT_LIMIT", "1", "AWS_BOT_LIMIT", "1", "COOLIFY_API_URL", secret, "COOLIFY_API_TOKEN", "t",
                "COOLIFY_PROJECT_UUID", "p", "COOLIFY_SERVER_UUID", "s", "BOT_IMAGE_ZOOM", "acme/zoom " + secret,
                "K8S_NAMESPACE", secret));
        env.put("K8S_KUBECONFIG", "/nowhere/" + secret);
        env.putAll(Map.of("BOT_IMAGE_MICROSOFT_TEAMS", "t:1", "BOT_IMAGE_GOOGLE_MEET", "m:1",
                "ECS_CLUSTER", "bots", "ECS_SUBNETS", "subnet-a", "ECS_TASK_DEFINITION_ZOOM", "z",
                "ECS_TASK_DEFINITION_MICROSOFT_TEAMS", "t", "ECS_TASK_DEFINITION_GOOGLE_MEET", "m",
                "ECS_CAPACITY_PROVIDERS", "FARGATE," + secret + ":x", "ECS_ENDPOINT", secret, "WEBHOOK_ALLOW_LOOPBACK", secret));
        assertThatThrownBy(() -> Settings.from(env, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContainingAll("PLATFORM_PRIORITY names an unknown platform (entry 4",
                        "COOLIFY_BOT_LIMIT must be", "COOLIFY_API_URL must be", "BOT_IMAGE_ZOOM must be", "K8S_NAMESPACE must be",
                        "K8S_KUBECONFIG names no readable file", "ECS_CAPACITY_PROVIDERS must list", "(entry 2",
                        "ECS_ENDPOINT must be", "WEBHOOK_ALLOW_LOOPBACK must be")
                .message().doesNotContain(secret);
        assertThatThrownBy(() -> io.botfleet.store.DatabaseSettings.from(Map.of("DB_MODE", secret)))
                .hasMessageContaining("DB_MODE must be").message().doesNotContain(secret);
    }
}
