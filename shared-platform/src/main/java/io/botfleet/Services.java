package io.botfleet;

import io.botfleet.bot.BotTokens;
import io.botfleet.config.ConfigException;
import io.botfleet.config.SecretSettings;
import io.botfleet.config.Settings;
import io.botfleet.deployment.Admissions;
import io.botfleet.deployment.BotDeploymentService;
import io.botfleet.deployment.BotHistory;
import io.botfleet.deployment.EventCounts;
import io.botfleet.deployment.FirstAnswers;
import io.botfleet.deployment.WebhookDeliveries;
import io.botfleet.deployment.WebhookSender;
import io.botfleet.deployment.Webhooks;
import io.botfleet.deployment.BotStops;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.CapacityCalendar;
import io.botfleet.deployment.CapacityLedger;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.ContainerEndings;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.DrainLease;
import io.botfleet.deployment.PlatformHolds;
import io.botfleet.deployment.PlatformReleases;
import io.botfleet.deployment.Retention;
import io.botfleet.deployment.SqsCapacityReleasedPublisher;
import io.botfleet.deployment.StartupTimes;
import io.botfleet.deployment.TenantKeys;
import io.botfleet.deployment.Tenants;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.LimitedPlatform;
import io.botfleet.platform.LazyClient;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.aws.AwsPlatformService;
import io.botfleet.platform.coolify.CoolifyPlatformService;
import io.botfleet.platform.kubernetes.KubernetesPlatformService;
import io.botfleet.platform.local.LocalPlatformService;
import io.botfleet.store.DatabaseSettings;
import io.botfleet.store.Databases;
import io.botfleet.store.Sql;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The composition root (the seed's "DI container"): the only place that reads settings and calls
 * constructors. Built once per Lambda container, or once by the local runner; tests build the
 * same graph with other parts through the public constructor.
 */
public final class Services {
    private final Settings settings;
    private final BotStore bots;
    private final Admissions admissions;
    private final DeploymentQueue queue;
    private final CapacityLedger ledger;
    private final CapacityCalendar calendar;
    private final HybridPlatformService hybrid;
    private final BotDeploymentService deployments;
    private final FirstAnswers firstAnswers;
    private final BotHistory history;
    private final Webhooks webhooks;
    private final Tenants tenants;
    private final TenantKeys tenantKeys;
    private final EventCounts eventCounts;
    private final PlatformHolds platformHolds;

    public Services(Settings settings, Sql sql, List<PlatformService> platforms, CapacityReleasedPublisher publisher,
                    Clock clock) {
        this.settings = settings;
        this.bots = new BotStore(sql, clock);
        this.calendar = new CapacityCalendar(sql, clock, platforms.stream()
                .mapToInt(p -> settings.botLimits().getOrDefault(p.platformName(), 0)).sum(), settings.estimatedBotDuration());
        this.admissions = new Admissions(sql, clock, calendar);
        this.queue = new DeploymentQueue(sql, bots, clock, calendar);
        this.ledger = new CapacityLedger(sql, clock, calendar);
        HybridPlatformService.DrainPolicy policy = new HybridPlatformService.DrainPolicy(settings.platformCallTimeout(),
                settings.queueLease(), settings.drainBatchSize(), settings.deployTimeout(), settings.heartbeatTimeout(),
                settings.globalQueueTimeout());
        BotStops stops = new BotStops(sql, clock, policy.callWindow());
        List<LimitedPlatform> limited = new ArrayList<>();
        for (PlatformService platform : platforms) {
            Integer limit = settings.botLimits().get(platform.platformName());
            if (limit == null) {
                throw new ConfigException("platform " + platform.platformName() + " is not in PLATFORM_PRIORITY");
            }
            limited.add(new LimitedPlatform(platform, limit));
        }
        limited.sort((a, b) -> settings.platformPriority().indexOf(a.name()) - settings.platformPriority().indexOf(b.name()));
        this.hybrid = new HybridPlatformService(limited, ledger, bots, stops, queue, new PlatformReleases(sql, clock),
                new ContainerEndings(sql, clock, settings.globalQueueTimeout()), new DrainLease(sql, clock), publisher,
                new Retention(sql, clock, settings.retention()), policy, clock);
        this.deployments = new BotDeploymentService(bots, admissions, stops, queue, hybrid, ledger,
                new BotTokens(settings.botTokenSecret()), publisher, calendar,
                new StartupTimes(sql, clock, settings.platformPriority(), settings.scheduleLead(), settings.scheduleLeadMargin()),
                new BotDeploymentService.Policy(settings.globalQueueTimeout(), settings.scheduleGuarantee(),
                        settings.queueLease(), settings.estimatedBotDuration()), clock);
        this.firstAnswers = new FirstAnswers(sql);
        this.history = new BotHistory(sql, bots);
        this.webhooks = new Webhooks(new WebhookDeliveries(sql, clock),
                new WebhookSender(settings.webhookSecret(), settings.webhookAllowLoopback(), clock));
        this.tenants = new Tenants(sql, clock, calendar);
        this.tenantKeys = new TenantKeys(sql, clock);
        this.eventCounts = new EventCounts(sql);
        this.platformHolds = new PlatformHolds(ledger, stops, hybrid, settings.drainBatchSize());
    }

    /**
     * The platforms {@code PLATFORM_PRIORITY} names, built from the settings; pooled ones keep their
     * state in {@code sql}. Their clients are made at their first call: building opens no connection
     * and reads no file.
     */
    public static List<PlatformService> platforms(Settings settings, Path dataDirectory, Sql sql, Clock clock) {
        BotEnvironment environment = new BotEnvironment(settings.callbackBaseUrl(), new BotTokens(settings.botTokenSecret()));
        List<PlatformService> platforms = new ArrayList<>();
        for (String name : settings.platformPriority()) {
            platforms.add(switch (name) {
                case "local" -> new LocalPlatformService(environment, new LocalPlatformService.Launch(
                        settings.localBotCommand(), settings.botSimDuration(), settings.botHeartbeatInterval(),
                        settings.localStopGrace(), dataDirectory.resolve("bot-logs")));
                case "coolify" -> CoolifyPlatformService.from(settings.coolify(), settings.botLimits().get("coolify"),
                        settings.botImages(), environment, sql, clock, settings.platformCallTimeout());
                case "k8s" -> KubernetesPlatformService.from(settings.kubernetes(), settings.botImages(), environment, clock,
                        settings.platformCallTimeout());
                case "aws" -> AwsPlatformService.from(settings.ecs(), settings.awsRegion(), environment,
                        settings.platformCallTimeout());
                default -> throw new ConfigException("PLATFORM_PRIORITY names " + name + ", which this build cannot deploy to");
            });
        }
        return platforms;
    }

    /**
     * The Lambda path: settings and the database (the Data API, or JDBC) from the environment,
     * drains triggered through SQS.
     */
    public static Services fromEnvironment(Map<String, String> given) {
        Map<String, String> environment = SecretSettings.resolve(given, () -> SecretSettings.secretsManager(
                given.getOrDefault("AWS_REGION", "us-east-1"), given.get("SECRETS_MANAGER_ENDPOINT")));
        Settings settings = Settings.from(environment, Map.of());
        Sql sql = Databases.open(DatabaseSettings.from(environment), null, 2).sql();
        Clock clock = Clock.systemUTC();
        return new Services(settings, sql, platforms(settings, Path.of("/tmp/botfleet"), sql, clock), publisher(settings), clock);
    }

    static CapacityReleasedPublisher publisher(Settings settings) {
        if (settings.capacityQueueUrl() == null) {
            return CapacityReleasedPublisher.NONE;
        }
        LazyClient<SqsClient> sqs = new LazyClient<>(() -> SqsClient.builder()
                .region(Region.of(settings.awsRegion()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build()) // SnapStart: container credentials
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(java.time.Duration.ofSeconds(2))
                        .socketTimeout(SqsCapacityReleasedPublisher.CALL_TIMEOUT).build())
                .overrideConfiguration(c -> c.apiCallTimeout(SqsCapacityReleasedPublisher.CALL_TIMEOUT.multipliedBy(2)))
                .build());
        return new SqsCapacityReleasedPublisher(sqs, settings.capacityQueueUrl());
    }

    public Settings settings() {
        return settings;
    }

    public BotDeploymentService deployments() {
        return deployments;
    }

    public HybridPlatformService hybrid() {
        return hybrid;
    }

    public BotStore bots() {
        return bots;
    }

    public Admissions admissions() {
        return admissions;
    }

    public DeploymentQueue queue() {
        return queue;
    }

    public CapacityLedger ledger() {
        return ledger;
    }

    public CapacityCalendar calendar() {
        return calendar;
    }

    public FirstAnswers firstAnswers() {
        return firstAnswers;
    }

    public BotHistory history() {
        return history;
    }

    public Webhooks webhooks() {
        return webhooks;
    }

    public Tenants tenants() {
        return tenants;
    }

    public PlatformHolds platformHolds() {
        return platformHolds;
    }

    public EventCounts eventCounts() {
        return eventCounts;
    }

    public TenantKeys tenantKeys() {
        return tenantKeys;
    }
}
