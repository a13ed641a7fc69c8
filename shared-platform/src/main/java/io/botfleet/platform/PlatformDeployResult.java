package io.botfleet.platform;

/** Where a deployed bot runs: a job name, a task ARN, an application UUID or a process id. */
public record PlatformDeployResult(String identifier) {
    public PlatformDeployResult {
        if (identifier == null || identifier.isBlank()) {
            throw new IllegalArgumentException("a platform must return an identifier");
        }
    }
}
