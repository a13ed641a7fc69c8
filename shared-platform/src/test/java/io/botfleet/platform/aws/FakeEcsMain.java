package io.botfleet.platform.aws;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The ECS endpoint of the tests as a program, to try the aws platform by hand with the local
 * runner: it listens on a fixed port (first argument, default 4599), runs each task until it is
 * stopped, and lets a stopped task finish stopping within 3 s (a real bot gets its stop timeout).
 * It prints every call it answers. Stop it with Ctrl-C.
 */
public final class FakeEcsMain {
    private FakeEcsMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4599;
        FakeEcs ecs = new FakeEcs(port);
        ScheduledExecutorService stopper = Executors.newSingleThreadScheduledExecutor();
        int[] printed = {0};
        stopper.scheduleWithFixedDelay(() -> {
            ecs.finishStopping();
            var calls = ecs.calls();
            calls.subList(printed[0], calls.size()).forEach(System.out::println);
            printed[0] = calls.size();
        }, 3, 3, TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopper.shutdownNow();
            ecs.close();
        }));
        System.out.println("fake ECS listening on " + ecs.endpoint() + "; start the runner with:");
        System.out.println("PLATFORM_PRIORITY=aws,local AWS_BOT_LIMIT=1 LOCAL_BOT_LIMIT=2 ECS_ENDPOINT=" + ecs.endpoint()
                + " ECS_CLUSTER=bots ECS_SUBNETS=subnet-a ECS_TASK_DEFINITION_ZOOM=zoom-bot:1"
                + " ECS_TASK_DEFINITION_MICROSOFT_TEAMS=teams-bot:1 ECS_TASK_DEFINITION_GOOGLE_MEET=meet-bot:1"
                + " AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake java -jar functions/target/botfleet.jar");
        new CountDownLatch(1).await();
    }
}
