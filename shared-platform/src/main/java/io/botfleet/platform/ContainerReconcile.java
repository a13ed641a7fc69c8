package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.bot.Bot;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotStore;
import io.botfleet.deployment.ContainerEndings;
import io.botfleet.deployment.ContainerEndings.Fence;
import io.botfleet.deployment.ContainerEndings.Word;
import io.botfleet.deployment.PlatformReleases.Release;
import io.botfleet.platform.HybridPlatformService.LimitedPlatform;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The core's side of reconciling with a platform, once per scheduled drain: what the platform
 * runs for botfleet (one complete list) against the bots holding its units. A live bot whose
 * container ended or is gone ends now rather than at its heartbeat timeout, and gives its unit
 * back; a container whose bot ended, or that no bot owns, is stopped. Only a complete list is
 * acted on, and a status the platform could not read (UNKNOWN) changes nothing. A bot whose deploy
 * answer was lost is matched to its container by the drain's resume (by the bot's name), not here.
 */
final class ContainerReconcile {
    private final BotStore bots;
    private final ContainerEndings endings;
    private final PlatformCalls calls;
    private final ReleaseFollowUps followUps;
    private final Clock clock;

    ContainerReconcile(BotStore bots, ContainerEndings endings, PlatformCalls calls, ReleaseFollowUps followUps,
                       Clock clock) {
        this.bots = bots;
        this.endings = endings;
        this.calls = calls;
        this.followUps = followUps;
        this.clock = clock;
    }

    /**
     * The time a reconcile needs: the list, then one group of calls on what it showed (status
     * asks, stops). A drain given less never reconciles, so the function says so when it starts
     * ({@link HybridPlatformService.DrainPolicy#minimumBudget}).
     */
    static Duration budgetNeeded(Duration callTimeout) {
        return callTimeout.multipliedBy(2);
    }

    void reconcile(LimitedPlatform platform, Budget budget) {
        if (!budget.allows(budgetNeeded(calls.timeout()))) {
            return;
        }
        // the bots are read before the list, so every container recorded then existed when it was
        // made; a bot deployed within the platform's list lag is judged at a later drain
        Instant listedAfter = clock.instant().minus(platform.service().listLag());
        List<Bot> holding = bots.holdingCapacityOn(platform.name()).stream().filter(b -> !b.status().isTerminal()).toList();
        Map<Integer, PlatformCalls.Call<Optional<List<SeenContainer>>>> list = Map.of(0, platform.service()::listBots);
        PlatformCalls.Outcome<Optional<List<SeenContainer>>> listed = calls.all(platform.name(), "list", list).get(0);
        if (!listed.succeeded() || listed.value().isEmpty()) {
            return; // no complete list: nothing is decided on half a picture
        }
        Map<Long, SeenContainer> seen = new LinkedHashMap<>();
        listed.value().get().forEach(c -> seen.putIfAbsent(c.botId(), c));
        endWhatEnded(platform, holding, seen, listedAfter, budget);
        stopLeaks(platform, holding, seen, budget);
    }

    /** Bots deployed before the list whose container it shows ended, or does not show and the platform then says ended. */
    private void endWhatEnded(LimitedPlatform platform, List<Bot> holding, Map<Long, SeenContainer> seen,
                              Instant listedAfter, Budget budget) {
        Map<Long, PlatformCalls.Call<PlatformStatus>> asks = new LinkedHashMap<>();
        for (Bot bot : holding) {
            if (bot.platformIdentifier() == null || bot.deployedAt() == null || bot.deployedAt().isAfter(listedAfter)) {
                continue; // its deploy has not answered (the resume finds out), or it is too young to judge
            }
            SeenContainer container = seen.get(bot.id());
            if (container != null) {
                containerEnded(bot.id(), fence(bot, platform.name()), container.status());
            } else {
                asks.put(bot.id(), () -> platform.service().getBotStatus(bot.platformIdentifier()));
            }
        }
        if (asks.isEmpty() || !budget.allows(calls.timeout())) {
            return;
        }
        Map<Long, Bot> byId = holding.stream().collect(Collectors.toMap(Bot::id, b -> b));
        calls.all(platform.name(), "status", asks).forEach((botId, answer) -> {
            if (answer.succeeded()) { // not in the list: the platform says why, or that it is gone
                containerEnded(botId, fence(byId.get(botId), platform.name()), answer.value());
            }
        });
    }

    /**
     * Containers that may still hold something (running, starting, or failed but not gone, such as
     * a pod that cannot pull its image) whose bot ended, holds no unit here, or does not exist.
     */
    private void stopLeaks(LimitedPlatform platform, List<Bot> holding, Map<Long, SeenContainer> seen, Budget budget) {
        Set<Long> live = holding.stream().map(Bot::id).collect(Collectors.toSet());
        List<SeenContainer> suspects = seen.values().stream()
                .filter(c -> !live.contains(c.botId()) && c.status().state() != PlatformBotStatus.SUCCEEDED
                        && c.status().state() != PlatformBotStatus.STOPPED && c.status().state() != PlatformBotStatus.UNKNOWN)
                .toList();
        if (suspects.isEmpty()) {
            return;
        }
        // read again after the list: a bot deployed since the first read is no leak
        Map<Long, Bot> now = bots.findAll(suspects.stream().map(SeenContainer::botId).toList());
        Map<Long, PlatformCalls.Call<Boolean>> stops = new LinkedHashMap<>();
        for (SeenContainer c : suspects) {
            Bot bot = now.get(c.botId());
            boolean leaked = bot == null || bot.status().isTerminal() || !platform.name().equals(bot.deploymentPlatform())
                    || bot.status() == BotStatus.QUEUED;
            if (leaked) {
                Log.warn("platform.leak_found", Map.of("platform", platform.name(), "botId", c.botId(),
                        "identifier", String.valueOf(c.identifier()), "botStatus", bot == null ? "none" : bot.status().name()));
                stops.put(c.botId(), () -> {
                    platform.service().stopBot(c.botId(), c.identifier());
                    return true;
                });
            }
        }
        if (!stops.isEmpty() && budget.allows(calls.timeout())) {
            calls.all(platform.name(), "stop", stops);
        }
    }

    /**
     * The platform says the bot's container ended (or it could not say: then nothing changes). The
     * verdict (back to the front of the queue, DONE or FATAL) is taken by one statement on the bot
     * as it is then, and only while it still holds its unit with this container ({@code fence}).
     * Its unit goes back at once, and its release follows now when no stop is owed.
     */
    boolean containerEnded(long botId, Fence fence, PlatformStatus status) {
        if (!status.state().ended()) {
            return false;
        }
        String why = Optional.ofNullable(status.reason()).orElse(status.capacityReclaimed()
                ? "the platform took the capacity back" : "the container ended without the bot calling back");
        String fatal = (status.state() == PlatformBotStatus.FAILED ? "CONTAINER_FAILED: " : "CONTAINER_STOPPED: ") + why;
        return ended(botId, fence, new Word(status.capacityReclaimed(), status.state() == PlatformBotStatus.SUCCEEDED,
                "CAPACITY_RECLAIMED: " + why, fatal));
    }

    /** The platform gave up on the bot's container for good (Coolify's deployment failed again and again). */
    boolean containerFailed(long botId, Fence fence, String reason) {
        return ended(botId, fence, new Word(false, false, null, reason));
    }

    private boolean ended(long botId, Fence fence, Word word) {
        ContainerEndings.Ended ended = endings.ended(botId, fence, word);
        if (ended == null) {
            return false;
        }
        if (ended.status() == BotStatus.QUEUED) {
            Log.warn("bot.requeued", Map.of("botId", botId, "platform", fence.platform(), "reason", word.requeueReason()));
        } else {
            Log.warn("bot.ended_by_platform", Map.of("botId", botId, "platform", fence.platform(),
                    "status", ended.status().name(), "reason", ended.status() == BotStatus.FATAL ? word.fatalReason() : "container ended"));
        }
        if (ended.releasedPlatform() != null && !ended.stopOwed()) {
            settle(botId, ended.releasedPlatform());
        }
        return true;
    }

    /** The fence of a bot read before the platform was asked: its container, and the claim it came from. */
    static Fence fence(Bot bot, String platform) {
        return new Fence(platform, bot.platformIdentifier(), bot.deployAttempts());
    }

    /** The release the freeing statement recorded, done now (the drain retries it if this fails). */
    private void settle(long botId, String platform) {
        try {
            followUps.settle(List.of(Release.of(botId, platform)), Budget.unbounded());
        } catch (RuntimeException e) {
            Log.warn("release.settle_failed", Map.of("botId", botId), e);
        }
    }
}
