package io.botfleet.testing;

import io.botfleet.bot.Bot;
import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A platform that runs nothing but keeps the books a real one would show: which bots are live,
 * the peak number live at once, and how many times each bot was started. Like a real platform it
 * is idempotent per bot (deterministic names), and it can be told to fail or to be slow.
 */
public final class FakePlatform implements PlatformService {
    private final String name;
    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    private final Map<Long, AtomicInteger> starts = new ConcurrentHashMap<>();
    private final AtomicInteger peak = new AtomicInteger();
    private volatile PlatformDeployError.Kind failWith;
    private volatile long deployMillis;

    public FakePlatform(String name) {
        this.name = name;
    }

    /** Every deploy fails with this kind from now on; null to succeed again. */
    public FakePlatform failing(PlatformDeployError.Kind kind) {
        this.failWith = kind;
        return this;
    }

    /** Each deploy takes this long, as a real platform call would. */
    public FakePlatform slow(long millis) {
        this.deployMillis = millis;
        return this;
    }

    @Override
    public String platformName() {
        return name;
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) throws PlatformDeployError {
        if (deployMillis > 0) {
            try {
                Thread.sleep(deployMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        PlatformDeployError.Kind kind = failWith;
        if (kind != null) {
            throw new PlatformDeployError(kind, name, "told to fail with " + kind);
        }
        synchronized (live) {
            // idempotent per bot, as every real platform must be: a live container is found, not started again
            if (live.add(bot.id())) {
                starts.computeIfAbsent(bot.id(), id -> new AtomicInteger()).incrementAndGet();
                peak.accumulateAndGet(live.size(), Math::max);
            }
        }
        return new PlatformDeployResult(name + "-" + bot.id());
    }

    @Override
    public void stopBot(String identifier) {
        live.remove(Long.parseLong(identifier.substring(name.length() + 1)));
    }

    @Override
    public PlatformBotStatus getBotStatus(String identifier) {
        return live.contains(Long.parseLong(identifier.substring(name.length() + 1)))
                ? PlatformBotStatus.RUNNING : PlatformBotStatus.STOPPED;
    }

    /** The container exits by itself (the caller then reports DONE for it). */
    public boolean exit(long botId) {
        return live.remove(botId);
    }

    public List<Long> live() {
        return new ArrayList<>(live);
    }

    public int peak() {
        return peak.get();
    }

    public Map<Long, Integer> starts() {
        Map<Long, Integer> copy = new ConcurrentHashMap<>();
        starts.forEach((id, n) -> copy.put(id, n.get()));
        return copy;
    }
}
