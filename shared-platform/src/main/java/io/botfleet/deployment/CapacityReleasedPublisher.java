package io.botfleet.deployment;

/**
 * "Trigger the drain": says that a platform has a free unit again. In AWS a message on the
 * capacity queue invokes processQueue; the local runner delivers it in process.
 */
@FunctionalInterface
public interface CapacityReleasedPublisher {

    void capacityReleased(String platform);

    /** For deployments that rely on the schedule alone. */
    CapacityReleasedPublisher NONE = platform -> { };
}
