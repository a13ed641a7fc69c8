package io.botfleet.platform.coolify;

import io.botfleet.Log;
import io.botfleet.platform.Budget;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformTick;
import io.botfleet.platform.coolify.CoolifyApiClient.Application;
import io.botfleet.platform.coolify.CoolifyApiClient.Deployment;
import io.botfleet.platform.coolify.PoolSlotService.Slot;
import io.botfleet.platform.coolify.PoolSlotService.Watched;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The pool's part of each scheduled drain: advances slots whose deployment is in progress (a
 * finished one is up; a failed, lost or stuck one is deployed again, a bounded number of times,
 * then the slot is in ERROR and its bot FATAL with Coolify's reason), gives back slots whose bot
 * ended, removes ERROR slots, and reconciles the pool with Coolify's list of its applications.
 * It reads in bulk and makes at most {@link #CALLS_PER_TICK} calls: Coolify allows 200 a minute
 * per token. A list call that fails deletes nothing and ends no bot.
 */
final class SlotRecovery {
    /** A tick's share of Coolify's 200 requests a minute, leaving room for deploys. */
    static final int CALLS_PER_TICK = 40;
    /** Deployments of one slot for one bot before the slot is given up. */
    static final int DEPLOY_ATTEMPTS = 3;

    private final CoolifyApiClient coolify;
    private final PoolSlotService slots;
    private final SlotLifecycleService lifecycle;
    private final String tag;
    private final Duration deployTimeout;
    private final Clock clock;

    SlotRecovery(CoolifyApiClient coolify, PoolSlotService slots, SlotLifecycleService lifecycle, String tag,
                 Duration deployTimeout, Clock clock) {
        this.coolify = coolify;
        this.slots = slots;
        this.lifecycle = lifecycle;
        this.tag = tag;
        this.deployTimeout = deployTimeout;
        this.clock = clock;
    }

    /** Counts the calls of one tick; a tick stops when its share or the drain's budget is spent. */
    private static final class Calls {
        private final Budget budget;
        private int left = CALLS_PER_TICK;

        Calls(Budget budget) {
            this.budget = budget;
        }

        boolean take(int n) {
            if (left < n || !budget.left()) {
                return false;
            }
            left -= n;
            return true;
        }
    }

    void tick(PlatformTick core, Budget budget) {
        Calls calls = new Calls(budget);
        slots.freeStaleLanes();
        List<Watched> pool = slots.watch();
        advanceDeployments(pool, core, calls);
        for (Watched w : pool) {
            Slot slot = w.slot();
            if (slot.botId() != null && ("DONE".equals(w.botStatus()) || "FATAL".equals(w.botStatus())) && calls.take(2)) {
                attempt("release", slot, () -> lifecycle.release(slot.botId())); // its release follow-up was missed
            } else if (slot.botId() == null && "ERROR".equals(slot.status()) && calls.take(1)) {
                attempt("delete", slot, () -> remove(slot)); // made again when the pool needs it
            }
        }
        if (calls.take(1)) {
            reconcile(slots.watch(), core);
        }
    }

    private void advanceDeployments(List<Watched> pool, PlatformTick core, Calls calls) {
        List<Watched> deploying = pool.stream()
                .filter(w -> "DEPLOYING".equals(w.slot().status()) && w.slot().deploymentUuid() != null).toList();
        if (deploying.isEmpty() || !calls.take(1)) {
            return;
        }
        Map<String, Deployment> running;
        try {
            running = coolify.listRunningDeployments().stream().collect(Collectors.toMap(Deployment::uuid, d -> d, (a, b) -> a));
        } catch (PlatformDeployError e) {
            Log.warn("coolify.list_failed", Map.of("platform", "coolify"), e);
            return;
        }
        for (Watched w : deploying) {
            Slot slot = w.slot();
            boolean stuck = slot.deployStartedAt() != null
                    && slot.deployStartedAt().plus(deployTimeout).isBefore(clock.instant());
            if (w.heardFrom()) {
                slots.markHealthy(slot.id(), slot.botId(), slot.deploymentUuid(), slot.image()); // it called back: it runs
            } else if (running.containsKey(slot.deploymentUuid())) {
                if (stuck && calls.take(2)) {
                    attempt("cancel", slot, () -> coolify.cancelDeployment(slot.deploymentUuid()));
                    retryOrGiveUp(slot, "no progress within " + deployTimeout.toSeconds() + " s", core);
                }
            } else if (calls.take(1)) {
                attempt("read deployment", slot, () -> settle(slot, coolify.getDeployment(slot.deploymentUuid()), core, calls));
            }
        }
    }

    /** A deployment no longer running: finished (the slot is up), or failed, cancelled or never made. */
    private void settle(Slot slot, Optional<Deployment> deployment, PlatformTick core, Calls calls) {
        String status = deployment.map(Deployment::status).orElse("not found");
        if (status.equals("finished")) {
            slots.markHealthy(slot.id(), slot.botId(), slot.deploymentUuid(), slot.image());
        } else if (!status.equals("queued") && !status.equals("in_progress") && calls.take(1)) {
            retryOrGiveUp(slot, "deployment " + slot.deploymentUuid() + " " + status, core);
        }
    }

    /**
     * Deploys the slot again, or gives it up after {@link #DEPLOY_ATTEMPTS}: each decided again on
     * the slot and its bot as they are right before the call, and recorded only if they still are
     * after it. A deployment queued for a bot that was stopped during the call is taken back.
     */
    private void retryOrGiveUp(Slot slot, String why, PlatformTick core) {
        if (slot.deployAttempts() < DEPLOY_ATTEMPTS) {
            attempt("redeploy", slot, () -> redeploy(slot));
            return;
        }
        String reason = "COOLIFY_DEPLOY_FAILED: " + why + " (after " + slot.deployAttempts() + " deployments of " + slot.name() + ")";
        if (slots.markError(slot, reason)) {
            core.deployFailed(slot.botId(), slot.applicationUuid(), reason);
        }
    }

    private void redeploy(Slot slot) throws PlatformDeployError {
        if (!slots.beginRedeploy(slot)) {
            return; // the bot was stopped, ended, called back, or another tick went first
        }
        String deployment = coolify.deploy(slot.applicationUuid());
        if (slots.recordRedeployment(slot, deployment)) {
            return;
        }
        Log.warn("coolify.redeploy_taken_back", Map.of("platform", "coolify", "slot", slot.name(), "botId", slot.botId(),
                "deployment", deployment));
        coolify.cancelDeployment(deployment);
        if (slots.unassigned(slot.id())) { // a slot serving another bot now is that bot's to deploy
            coolify.stop(slot.applicationUuid());
        }
    }

    /**
     * The pool against Coolify's list of its applications (by the pool's tag): an application with
     * a slot's name that no slot row names is removed (a slot being made is named by its row, so it
     * is never taken for one; an application not named as a slot is someone else's, left alone);
     * a slot whose application is gone is forgotten, and its bot, whose container is gone with it,
     * ends. Only a complete answer is acted on. A slot's row is written before its application is
     * made, and its application's uuid after: so orphans are judged by the rows read after the
     * list (every listed application's row exists by then), and gone applications by the rows
     * read before it (every uuid they hold was listed, unless deleted).
     */
    private void reconcile(List<Watched> pool, PlatformTick core) {
        List<Application> applications;
        try {
            applications = coolify.listApplications(tag);
        } catch (PlatformDeployError e) {
            Log.warn("coolify.list_failed", Map.of("platform", "coolify"), e);
            return;
        }
        List<Watched> afterTheList = slots.watch();
        Set<String> known = afterTheList.stream().map(w -> w.slot().applicationUuid()).filter(u -> u != null)
                .collect(Collectors.toSet());
        Set<String> beingMade = afterTheList.stream().filter(w -> w.slot().applicationUuid() == null)
                .map(w -> w.slot().name()).collect(Collectors.toSet());
        Set<String> listed = applications.stream().map(Application::uuid).collect(Collectors.toSet());
        for (Application app : applications) {
            if (!known.contains(app.uuid()) && !beingMade.contains(app.name()) && slots.isSlotName(app.name())) {
                Log.warn("coolify.orphan_removed", Map.of("platform", "coolify", "application", app.uuid(), "name", String.valueOf(app.name())));
                attemptQuietly(() -> coolify.delete(app.uuid()));
            }
        }
        for (Watched w : pool) {
            Slot slot = w.slot();
            if (slot.applicationUuid() != null && !listed.contains(slot.applicationUuid()) && slots.delete(slot.id(), slot.botId())) {
                Log.warn("coolify.application_gone", Map.of("platform", "coolify", "slot", slot.name()));
                if (slot.botId() != null && !"DONE".equals(w.botStatus()) && !"FATAL".equals(w.botStatus())) {
                    core.deployFailed(slot.botId(), slot.applicationUuid(), "COOLIFY_APPLICATION_GONE: the application of " + slot.name() + " was deleted");
                }
            }
        }
    }

    private void remove(Slot slot) throws PlatformDeployError {
        if (slot.applicationUuid() != null) {
            coolify.delete(slot.applicationUuid());
        }
        slots.delete(slot.id(), null);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws PlatformDeployError;
    }

    private static void attempt(String what, Slot slot, Step step) {
        try {
            step.run();
        } catch (PlatformDeployError | RuntimeException e) {
            Log.warn("coolify.tick_step_failed", Map.of("platform", "coolify", "step", what, "slot", slot.name()), e);
        }
    }

    private static void attemptQuietly(Step step) {
        try {
            step.run();
        } catch (PlatformDeployError | RuntimeException e) {
            Log.warn("coolify.tick_step_failed", Map.of("platform", "coolify"), e);
        }
    }
}
