package io.botfleet.platform.coolify;

import io.botfleet.platform.local.SimulatedBot;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the fake Coolify holds and does behind its API: applications, deployments that move on
 * their own (queued, then in_progress at most two at a time per server, then finished or failed),
 * and containers: a finished deployment runs the bundled simulated bot with the application's
 * environment, calling back as a real bot would. All access is synchronized on this object.
 */
final class FakeCoolifyBackend implements AutoCloseable {
    static final int CONCURRENT_BUILDS = 2;

    static final class App {
        final String uuid = shortUuid();
        String name;
        String description;
        String image;
        String tag;
        List<String> tags = List.of();
        final Map<String, String> envs = new LinkedHashMap<>();
        String status = "exited";
        Thread container;
        int containersStarted;
    }

    static final class Deployment {
        final String uuid = shortUuid();
        final App app;
        final Instant createdAt = Instant.now();
        String status = "queued";
        long startedNanos;

        Deployment(App app) {
            this.app = app;
        }
    }

    final Map<String, App> apps = new LinkedHashMap<>();
    final List<Deployment> deployments = new ArrayList<>();
    private final ScheduledExecutorService builder = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-coolify-builds");
        t.setDaemon(true);
        return t;
    });
    private final Duration buildTime;
    private final Duration botCall;
    private final AtomicInteger failuresToCome = new AtomicInteger();
    private volatile boolean alwaysFail;
    private volatile FakeCoolify.Stall stall = FakeCoolify.Stall.NONE;

    /** @param botCall how long each simulated bot stays in its call */
    FakeCoolifyBackend(Duration buildTime, Duration botCall) {
        this.buildTime = buildTime;
        this.botCall = botCall;
        builder.scheduleWithFixedDelay(this::build, 10, 10, TimeUnit.MILLISECONDS);
    }

    void failNext(int deployments) {
        failuresToCome.set(deployments);
    }

    void failAlways(boolean fail) {
        alwaysFail = fail;
    }

    void stall(FakeCoolify.Stall how) {
        stall = how;
    }

    synchronized Deployment queue(App app) {
        Deployment deployment = new Deployment(app);
        deployments.add(deployment);
        return deployment;
    }

    synchronized long queued() {
        return deployments.stream().filter(d -> d.status.equals("queued")).count();
    }

    synchronized boolean inFlight(App app) {
        return deployments.stream().anyMatch(d -> d.app == app && (d.status.equals("queued") || d.status.equals("in_progress")));
    }

    synchronized void stop(App app) {
        if (app.container != null) {
            app.container.interrupt(); // the simulated bot leaves its call, as on SIGTERM
            app.container = null;
        }
        app.status = "exited";
    }

    synchronized long containersRunning() {
        return apps.values().stream().filter(a -> a.container != null && a.container.isAlive()).count();
    }

    /** One step of Coolify's deployment queue: finish builds that took their time, then start queued ones. */
    private synchronized void build() {
        long now = System.nanoTime();
        for (Deployment d : deployments) {
            if (d.status.equals("in_progress") && now - d.startedNanos >= buildTime.toNanos() && stall != FakeCoolify.Stall.NONE) {
                if (stall == FakeCoolify.Stall.AFTER_THE_CONTAINER_STARTED && d.app.containersStarted == 0) {
                    run(d.app); // its container runs, and the deployment never says finished
                }
            } else if (d.status.equals("in_progress") && now - d.startedNanos >= buildTime.toNanos()) {
                boolean fail = alwaysFail || failuresToCome.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                d.status = fail ? "failed" : "finished";
                if (!fail) {
                    run(d.app);
                }
            }
        }
        long building = deployments.stream().filter(d -> d.status.equals("in_progress")).count();
        for (Deployment d : deployments) {
            if (building >= CONCURRENT_BUILDS) {
                break;
            }
            if (d.status.equals("queued")) {
                d.status = "in_progress";
                d.startedNanos = now;
                building++;
            }
        }
    }

    /** The container of a finished deployment: the simulated bot, with the application's environment. */
    private void run(App app) {
        stop(app);
        Map<String, String> env = new LinkedHashMap<>(app.envs);
        env.put("BOT_SIM_DURATION", botCall.toMillis() + "ms");
        env.put("BOT_HEARTBEAT_INTERVAL", "200ms");
        app.status = "running:healthy";
        app.containersStarted++;
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Thread container = Thread.ofVirtual().unstarted(() -> {
            SimulatedBot.run(env, quiet);
            synchronized (this) {
                if (app.container == Thread.currentThread()) {
                    app.status = "exited";
                    app.container = null;
                }
            }
        });
        app.container = container;
        container.start();
    }

    @Override
    public synchronized void close() {
        builder.shutdownNow();
        apps.values().forEach(this::stop);
    }

    private static String shortUuid() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
