package io.botfleet.platform;

import io.botfleet.Log;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.deployment.PlatformReleases;
import io.botfleet.deployment.PlatformReleases.Release;
import io.botfleet.deployment.PlatformReleases.Settled;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one place where what is owed after a bot's end is done: the stop of a container that may
 * still run (by identifier, or by the bot's name), then the release of the bot's pooled resource,
 * then the announcement that capacity is free. The rows come from the statements that ended the
 * bot or freed its unit; the request that wrote them settles them at once, and the drain sweeps
 * up what failed or was never tried. Every step is idempotent, so doing one twice is harmless.
 */
public final class ReleaseFollowUps {
    private final PlatformReleases releases;
    private final Function<String, Optional<PlatformService>> platforms;
    private final PlatformCalls calls;
    private final CapacityReleasedPublisher announce;
    private final Clock clock;

    ReleaseFollowUps(PlatformReleases releases, Function<String, Optional<PlatformService>> platforms,
                     PlatformCalls calls, CapacityReleasedPublisher announce, Clock clock) {
        this.releases = releases;
        this.platforms = platforms;
        this.calls = calls;
        this.announce = announce;
        this.clock = clock;
    }

    /**
     * The drain's sweep: up to {@code limit} rows whose next attempt is due. Returns how many were
     * taken. It starts with time for one group of calls: the stops then; a release with no time
     * left is recorded as not tried and taken again at its next attempt.
     */
    public int sweep(int limit, Budget budget) {
        if (!budget.allows(calls.timeout())) {
            return 0;
        }
        List<Release> due = releases.claimDue(limit);
        settle(due, budget);
        return due.size();
    }

    /**
     * Works these rows off now, as far as the budget allows: owed stops that are due, then
     * releases; records what the platforms said in one statement and announces the capacity
     * freed. A stop not due yet (a deploy call of the bot may still be running) is left for the
     * sweep. Returns the rows whose stop was confirmed or that were not owed one.
     */
    public List<Release> settle(List<Release> rows, Budget budget) {
        List<Settled> outcomes = new ArrayList<>();
        List<Release> releasable = new ArrayList<>();
        List<Release> stopsDue = rows.stream().filter(r -> r.stopOwed() && !r.stopAfter().isAfter(clock.instant())).toList();
        Map<Long, Release> stopped = new LinkedHashMap<>();
        for (var group : byPlatform(stopsDue).entrySet()) {
            Optional<PlatformService> platform = platforms.apply(group.getKey());
            if (platform.isEmpty() || !budget.allows(calls.timeout())) {
                continue;
            }
            Map<Long, PlatformCalls.Call<Boolean>> stops = new LinkedHashMap<>();
            group.getValue().forEach(r -> stops.put(r.botId(), () -> {
                platform.get().stopBot(r.botId(), r.identifier());
                return true;
            }));
            calls.all(group.getKey(), "stop", stops, budget.waitFor(calls.timeout())).forEach((botId, outcome) -> {
                Release r = find(group.getValue(), botId);
                if (outcome.succeeded()) {
                    stopped.put(botId, r);
                    releasable.add(r);
                } else {
                    outcomes.add(new Settled(r, false, false, outcome.error().getMessage(), outcome.error().stopping()));
                }
            });
        }
        rows.stream().filter(r -> !r.stopOwed()).forEach(releasable::add);
        for (var group : byPlatform(releasable).entrySet()) {
            Optional<PlatformService> platform = platforms.apply(group.getKey());
            boolean canCall = platform.isPresent() && budget.allows(calls.timeout());
            Map<Long, PlatformCalls.Call<Boolean>> gives = new LinkedHashMap<>();
            group.getValue().forEach(r -> gives.put(r.botId(), () -> {
                platform.orElseThrow().releaseBot(r.botId());
                return true;
            }));
            Map<Long, PlatformCalls.Outcome<Boolean>> given = canCall ? calls.all(group.getKey(), "release", gives, budget.waitFor(calls.timeout())) : Map.of();
            for (Release r : group.getValue()) {
                var outcome = given.get(r.botId());
                boolean released = outcome != null && outcome.succeeded();
                String error = released ? null : outcome == null ? "not tried: no time or unknown platform"
                        : outcome.error().getMessage();
                outcomes.add(new Settled(r, stopped.containsKey(r.botId()), released, error, null));
            }
        }
        if (outcomes.isEmpty()) {
            return List.of();
        }
        for (Settled s : outcomes) {
            if (s.stopped()) {
                Log.info("bot.container_stopped", Map.of("botId", s.release().botId(), "platform", s.release().platform(),
                        "reason", String.valueOf(s.release().reason())));
            }
        }
        // announced whatever the statement answers: if it committed and its answer was lost, the row
        // that would have carried the announcement is gone already
        List<String> freed = outcomes.stream().filter(s -> s.stopped() || s.released())
                .map(s -> s.release().platform()).distinct().toList();
        try {
            releases.settle(outcomes);
        } finally {
            freed.forEach(announce::capacityReleased);
        }
        return releasable;
    }

    private static Map<String, List<Release>> byPlatform(List<Release> rows) {
        return rows.stream().collect(Collectors.groupingBy(Release::platform, LinkedHashMap::new, Collectors.toList()));
    }

    private static Release find(List<Release> rows, long botId) {
        return rows.stream().filter(r -> r.botId() == botId).findFirst().orElseThrow();
    }
}
