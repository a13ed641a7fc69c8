package io.botfleet.functions;

import io.botfleet.bot.AutomaticLeave;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.bot.Meeting;
import io.botfleet.bot.MeetingPlatform;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformService;
import io.botfleet.platform.kubernetes.KubernetesPlatformService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A bot's Job through its life, in a JVM whose class path is the Lambda jar and this class only
 * ({@link LambdaJarKubernetesIT}): the platform built as the functions build it (from a kubeconfig
 * setting), then deploy, a repeated deploy (the 409 path), status, find, list, stop, and status
 * once the Job is gone. Prints one line per step; any failure, a missing class included, ends it
 * with a non-zero exit.
 */
public final class KubernetesOnTheLambdaJar {
    static final long BOT = 7;

    private KubernetesOnTheLambdaJar() {
    }

    /** @param args the cluster's URL */
    public static void main(String[] args) throws Exception {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                contexts:
                - name: mock
                  context: {cluster: mock, user: botfleet, namespace: bots}
                current-context: mock
                users:
                - name: botfleet
                  user: {token: not-a-real-token}
                """.formatted(args[0]);
        String secret = "lambda-jar-test-secret-32-chars!";
        Settings settings = Settings.from(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "2", "K8S_NAMESPACE", "bots",
                "K8S_KUBECONFIG_CONTENT", kubeconfig, "BOT_TOKEN_SECRET", secret, "BOTFLEET_CALLBACK_URL", "http://127.0.0.1:1",
                "BOT_IMAGE_ZOOM", "ghcr.io/botfleet/zoom-bot:1.0", "BOT_IMAGE_MICROSOFT_TEAMS", "ghcr.io/botfleet/teams-bot:1.0",
                "BOT_IMAGE_GOOGLE_MEET", "ghcr.io/botfleet/meet-bot:1.0"), Map.of());
        Clock clock = Clock.systemUTC();
        PlatformService k8s = KubernetesPlatformService.from(settings.kubernetes(), settings.botImages(),
                new BotEnvironment("http://127.0.0.1:1", new BotTokens(secret)), clock, Duration.ofSeconds(10));
        Bot bot = new Bot(BOT, new BotConfig(new Meeting(MeetingPlatform.ZOOM, "https://zoom.us/j/123456789", "123456789", null),
                "Notetaker", null, false, AutomaticLeave.DEFAULT, null, Instant.now(clock).plus(Duration.ofHours(1)), null, "default", 0),
                BotStatus.DEPLOYING, null, "k8s", null, Instant.now(clock), null, null, null, 1, null);

        String job = k8s.deployBot(bot).identifier();
        System.out.println("deployed " + job);
        System.out.println("deployed again " + k8s.deployBot(bot).identifier());
        System.out.println("status " + k8s.getBotStatus(job).state());
        System.out.println("found " + k8s.findBot(BOT).orElse("nothing"));
        System.out.println("listed " + k8s.listBots().orElseThrow().size());
        k8s.stopBot(BOT, job);
        System.out.println("stopped " + job);
        System.out.println("status " + k8s.getBotStatus(job).state());
    }
}
