package io.botfleet.bench;

import io.botfleet.bot.Bot;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.PlatformDeployResult;
import io.botfleet.platform.PlatformService;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A platform that "starts" a bot instantly and never refuses, so the benchmark measures the
 * service and its SQL, not a container runtime. It records every start per bot id in a map that
 * all platforms of one fleet share, so a bot started twice, on one platform or on two, shows up.
 */
final class InstantPlatform implements PlatformService {
    private final String name;
    private final Map<Long, Integer> starts;
    private final AtomicLong stops = new AtomicLong();

    InstantPlatform(String name, Map<Long, Integer> starts) {
        this.name = name;
        this.starts = starts;
    }

    /** One map for the platforms of one fleet; platform calls run on virtual threads, hence concurrent. */
    static Map<Long, Integer> newStartCounts() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public String platformName() {
        return name;
    }

    @Override
    public PlatformDeployResult deployBot(Bot bot) {
        starts.merge(bot.id(), 1, Integer::sum);
        return new PlatformDeployResult(name + "-bot-" + bot.id());
    }

    /** Only orphaned deployments are stopped by the drain; the benchmark expects none. */
    @Override
    public void stopBot(long botId, String identifier) {
        stops.incrementAndGet();
    }

    @Override
    public Optional<String> findBot(long botId) {
        return starts.containsKey(botId) ? Optional.of(name + "-bot-" + botId) : Optional.empty();
    }

    @Override
    public PlatformStatus getBotStatus(String identifier) {
        return PlatformStatus.RUNNING;
    }

    long stops() {
        return stops.get();
    }
}
