package io.botfleet.deployment;

/**
 * Why a bot with a queue entry is not running yet. Decided by the statement that reads the entry,
 * from the entry's columns, its bot's status and the time then (see {@link DeploymentQueue}).
 */
public enum WaitReason {
    /** Due, never failed: it waits for a unit on some platform. */
    NO_CAPACITY,
    /** Its start time is ahead: it is not due before the entry's {@code not_before}. */
    SCHEDULED,
    /**
     * Its last attempt failed on a platform (a refused call, or a container the platform took back):
     * it waits for the next attempt. A failure sets no delay: the bot keeps its place, due at once.
     */
    RETRY_WAIT,
    /** Pinned: a platform holds its unit and whether its deploy started there is being settled. */
    DEPLOY_UNCONFIRMED,
    /**
     * Due and waiting for a unit while the operator holds a platform: the held platform's units
     * are out of rotation until it is released.
     */
    PLATFORM_HELD,
    /** Due, but its tenant already uses every unit its limit allows: it waits for one of the tenant's bots to end. */
    TENANT_LIMIT,
    /**
     * Due and within its tenant's limit, but another tenant goes first: one further below its
     * weighted share of the units in use, or with a due bot of a better priority.
     */
    FAIR_SHARE,
    /**
     * Due, a platform has room, but the bot has no reservation and the units left are reserved for
     * scheduled bots within its estimated duration: it waits rather than take a reserved unit.
     */
    RESERVED
}
