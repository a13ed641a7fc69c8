package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.bot.BotConfig;
import io.botfleet.bot.BotStatus;
import io.botfleet.bot.BotTokens;
import io.botfleet.deployment.BotDeploymentService.CapacityUnavailable;
import io.botfleet.platform.PlatformService;
import io.botfleet.testing.FakeFleet;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.MutableClock;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A day of a busy fleet on a test clock: platforms that take 30 s, 45 s and 90 s to bring a bot
 * into its call (limits 20, 12 and 8: 40 units), 2,000 bots of which 70% are scheduled on the
 * hour and 20% on the half hour, each asked for 10 minutes to 2 hours ahead, and the rest ad-hoc
 * floods from two minutes before each hour. The schedule drains once a minute; two instances take
 * the requests. Every scheduled bot admitted reaches its call by its start time; every one that
 * could not be kept was refused when asked; no platform ever runs more than its limit.
 *
 * <p>The suite runs two hours of that day (170 bots, the same mix per hour): the whole day takes
 * minutes on the Data API adapter. {@code -Dscheduledday.hours=24 -Dscheduledday.bots=2000} runs it all.
 */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class ScheduledDayTest {
    private static final int HOURS = Integer.getInteger("scheduledday.hours", 2);
    private static final int BOTS = Integer.getInteger("scheduledday.bots", 170);
    private static final Duration STEP = Duration.ofSeconds(15);
    private static final Map<String, Duration> STARTUP = Map.of("k8s", Duration.ofSeconds(30),
            "aws", Duration.ofSeconds(45), "local", Duration.ofSeconds(90));

    /** One bot of the day: when it is asked for, its times, and whether it is ad hoc. */
    private record Request(int n, Instant askedAt, Instant start, Instant end, Duration adHocCall) {
    }

    private final TestDatabase db;
    private final MutableClock clock = new MutableClock();
    private final FakeFleet fleet = new FakeFleet();
    private final Map<String, FakePlatform> platforms = new HashMap<>();
    private final Map<Long, Instant> deployedAt = new ConcurrentHashMap<>();
    private final Map<Long, String> deployedOn = new ConcurrentHashMap<>();
    private final List<Services> instances = new ArrayList<>();
    private final BotTokens tokens = new BotTokens(Fixtures.SECRET);

    ScheduledDayTest(TestDatabase.Adapter adapter) {
        db = TestDatabase.fresh(adapter);
        Map<String, Integer> limits = Map.of("k8s", 20, "aws", 12, "local", 8);
        limits.forEach((name, limit) -> {
            FakePlatform platform = new FakePlatform(name, fleet, limit);
            platform.byDefault(() -> (bot, start) -> {
                deployedAt.put(bot.id(), clock.instant());
                deployedOn.put(bot.id(), name);
                return start.get();
            });
            platforms.put(name, platform);
        });
        var settings = Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s,aws,local", "K8S_BOT_LIMIT", "20",
                "AWS_BOT_LIMIT", "12", "LOCAL_BOT_LIMIT", "8", "HEARTBEAT_TIMEOUT", "3h", "DEPLOY_TIMEOUT", "1h"));
        List<PlatformService> ordered = List.of(platforms.get("k8s"), platforms.get("aws"), platforms.get("local"));
        for (int i = 0; i < 2; i++) {
            instances.add(Fixtures.services(settings, db.sql(2), ordered, clock));
        }
    }

    @AfterEach
    void close() {
        db.close();
    }

    private List<Request> day(Instant firstHour, Random random) {
        List<Request> requests = new ArrayList<>();
        for (int n = 0; n < BOTS; n++) {
            int hour = n % HOURS;
            Instant onTheHour = firstHour.plus(Duration.ofHours(hour));
            if (n < BOTS * 9 / 10) {
                Instant start = n < BOTS * 7 / 10 ? onTheHour : onTheHour.plus(Duration.ofMinutes(30));
                Instant end = start.plus(Duration.ofMinutes(20 + random.nextInt(31)));
                Instant asked = start.minus(Duration.ofMinutes(10 + random.nextInt(111)));
                requests.add(new Request(n, asked, start, end, null));
            } else {
                Instant asked = onTheHour.minus(Duration.ofSeconds(120 - random.nextInt(120)));
                requests.add(new Request(n, asked, null, null, Duration.ofMinutes(10 + random.nextInt(16))));
            }
        }
        requests.sort(Comparator.comparing(Request::askedAt).thenComparing(Request::n));
        return requests;
    }

    @Test
    void everyAdmittedScheduledBotJoinsByItsStartAndEveryOtherWasRefusedWhenAsked() {
        Instant hour = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        clock.advance(Duration.between(clock.instant(), hour)); // the day starts on the hour
        Instant firstHour = hour.plus(Duration.ofHours(2));
        List<Request> requests = day(firstHour, new Random(20));
        Map<Long, Request> admitted = new HashMap<>();
        Set<Integer> refused = new HashSet<>();
        Map<Long, Instant> joined = new HashMap<>();
        Set<Long> ended = new HashSet<>();
        int next = 0;
        Instant last = firstHour.plus(Duration.ofHours(HOURS + 1));
        for (int step = 0; clock.instant().isBefore(last); step++) {
            while (next < requests.size() && !requests.get(next).askedAt().isAfter(clock.instant())) {
                Request r = requests.get(next++);
                BotConfig config = Fixtures.scheduled(r.start(), r.end(), 0);
                try {
                    admitted.put(instances.get(r.n() % 2).deployments().deploy(config, null).botId(), r);
                } catch (CapacityUnavailable e) {
                    refused.add(r.n());
                }
            }
            if (step % 4 == 0) {
                instances.get(0).hybrid().processQueue("schedule-" + step, Duration.ofSeconds(20));
            }
            for (Map.Entry<Long, Instant> d : Map.copyOf(deployedAt).entrySet()) {
                long id = d.getKey();
                if (!joined.containsKey(id) && !d.getValue().plus(STARTUP.get(deployedOn.get(id))).isAfter(clock.instant())) {
                    report(id, BotStatus.JOINING_CALL);
                    report(id, BotStatus.IN_CALL);
                    joined.put(id, clock.instant());
                }
            }
            for (Map.Entry<Long, Instant> j : joined.entrySet()) {
                Request r = admitted.get(j.getKey());
                Instant end = r.end() != null ? r.end() : j.getValue().plus(r.adHocCall());
                if (!ended.contains(j.getKey()) && !end.isAfter(clock.instant())) {
                    platforms.get(deployedOn.get(j.getKey())).exit(j.getKey());
                    report(j.getKey(), BotStatus.DONE);
                    ended.add(j.getKey());
                }
            }
            clock.advance(STEP);
        }

        long scheduledAdmitted = admitted.values().stream().filter(r -> r.start() != null).count();
        long late = db.count("SELECT count(*) AS n FROM bots WHERE reserved AND (joined_at IS NULL OR joined_at > start_time)");
        long adHocPlaced = admitted.keySet().stream().filter(id -> admitted.get(id).start() == null)
                .filter(deployedAt::containsKey).count();
        System.out.printf("scheduled day: %d scheduled admitted, %d refused, %d ad-hoc placed of %d, late reserved %d%n",
                scheduledAdmitted, refused.size(), adHocPlaced, BOTS / 10, late);

        assertThat(scheduledAdmitted).as("the fleet is full at each hour: some are admitted").isGreaterThan(20L * HOURS);
        assertThat(refused).as("and some refused: more are asked for than 40 units can keep").isNotEmpty();
        assertThat(refused).as("only scheduled bots are refused").allMatch(n -> n < BOTS * 9 / 10);
        assertThat(db.count("SELECT count(*) AS n FROM bots WHERE reserved")).isEqualTo(scheduledAdmitted);
        assertThat(late).as("every reserved bot joined by its start time").isZero();
        assertThat(fleet.breaches()).as("no platform above its limit, no bot started twice").isEmpty();
    }

    private void report(long id, BotStatus status) {
        instances.get((int) (id % 2)).deployments().report(id, tokens.tokenFor(id), status, null);
    }
}
