package io.botfleet.bot;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A bot's lifecycle. The allowed transitions are written here once; {@link BotStore} turns them
 * into {@code WHERE status IN (...)} guards, so the database enforces them for every writer.
 */
public enum BotStatus {
    QUEUED, DEPLOYING, JOINING_CALL, IN_WAITING_ROOM, IN_CALL, LEAVING, CALL_ENDED, DONE, FATAL;

    private static final Map<BotStatus, Set<BotStatus>> NEXT = new EnumMap<>(BotStatus.class);

    static {
        NEXT.put(QUEUED, EnumSet.of(DEPLOYING, DONE, FATAL));
        // DEPLOYING -> QUEUED is the failover revert: the platform refused or failed, the claim is undone.
        NEXT.put(DEPLOYING, EnumSet.of(QUEUED, JOINING_CALL, IN_WAITING_ROOM, IN_CALL, LEAVING, CALL_ENDED, DONE, FATAL));
        // -> QUEUED before the bot joined its call: its platform took the capacity back (a Spot
        // interruption), and it is placed again, at the front of the queue.
        NEXT.put(JOINING_CALL, EnumSet.of(QUEUED, IN_WAITING_ROOM, IN_CALL, LEAVING, CALL_ENDED, DONE, FATAL));
        NEXT.put(IN_WAITING_ROOM, EnumSet.of(QUEUED, JOINING_CALL, IN_CALL, LEAVING, CALL_ENDED, DONE, FATAL));
        NEXT.put(IN_CALL, EnumSet.of(LEAVING, CALL_ENDED, DONE, FATAL));
        NEXT.put(LEAVING, EnumSet.of(CALL_ENDED, DONE, FATAL));
        NEXT.put(CALL_ENDED, EnumSet.of(DONE, FATAL));
        NEXT.put(DONE, EnumSet.noneOf(BotStatus.class));
        NEXT.put(FATAL, EnumSet.noneOf(BotStatus.class));
    }

    public boolean isTerminal() {
        return this == DONE || this == FATAL;
    }

    /** Statuses in which the bot's container may be alive, so it holds a unit of its platform's capacity. */
    public boolean holdsCapacity() {
        return this != QUEUED && !isTerminal();
    }

    /** What a bot may report about itself in a callback; QUEUED and DEPLOYING are the service's to set. */
    public boolean isReportable() {
        return this != QUEUED && this != DEPLOYING;
    }

    public Set<BotStatus> predecessors() {
        Set<BotStatus> result = EnumSet.noneOf(BotStatus.class);
        NEXT.forEach((from, next) -> { if (next.contains(this)) result.add(from); });
        return result;
    }

    /** {@code 'A','B'} for an SQL IN list; the names are enum constants, never user input. */
    public static String sqlList(Set<BotStatus> statuses) {
        return statuses.stream().map(s -> "'" + s.name() + "'").sorted().collect(Collectors.joining(","));
    }
}
