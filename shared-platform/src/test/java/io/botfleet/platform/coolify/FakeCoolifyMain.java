package io.botfleet.platform.coolify;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The fake Coolify of the tests as a program, to try the Coolify platform by hand with the local
 * runner: it listens on a fixed port (first argument, default 8000), builds each deployment in
 * 3 s and runs each bot for 30 s, calling back to the runner. Stop it with Ctrl-C.
 */
public final class FakeCoolifyMain {
    private FakeCoolifyMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
        FakeCoolify coolify = new FakeCoolify(Duration.ofSeconds(3), Duration.ofSeconds(30), port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("requests Coolify would refuse: " + coolify.violations().size());
            coolify.violations().forEach(System.out::println);
            coolify.close();
        }));
        System.out.println("fake Coolify listening on " + coolify.url() + "; start the runner with:");
        System.out.println("PLATFORM_PRIORITY=coolify,local COOLIFY_BOT_LIMIT=2 LOCAL_BOT_LIMIT=2 COOLIFY_API_URL=" + coolify.url()
                + " COOLIFY_API_TOKEN=" + FakeCoolify.TOKEN + " COOLIFY_PROJECT_UUID=prj1a2b3c COOLIFY_SERVER_UUID=srv9z8y7"
                + " BOT_IMAGE_ZOOM=ghcr.io/botfleet/zoom-bot:1.0 BOT_IMAGE_MICROSOFT_TEAMS=ghcr.io/botfleet/teams-bot:1.0"
                + " BOT_IMAGE_GOOGLE_MEET=ghcr.io/botfleet/meet-bot:1.0 java -jar functions/target/botfleet.jar");
        new CountDownLatch(1).await();
    }
}
