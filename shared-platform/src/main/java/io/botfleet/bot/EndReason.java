package io.botfleet.bot;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every reason botfleet itself ends a bot with (its {@code statusReason} at DONE or FATAL, the code
 * before any ": detail"), and what an operator does about it. docs/failure-reasons.md lists the same,
 * and a test holds the two together; any other reason of an ended bot is the bot's own words, from
 * its callback. A bot that ends DONE with no reason finished its call.
 */
public enum EndReason {
    STOPPED("DONE", "Stopped through the API (POST /bots/{id}/stop).", "Nothing: it was asked for."),
    PLATFORM_DRAINED("DONE", "Stopped because the operator drained its platform (POST /platforms/{platform}/drain).",
            "Nothing; release the platform when its maintenance is over."),
    QUEUE_TIMEOUT("FATAL", "Waited in the queue longer than GLOBAL_QUEUE_TIMEOUT (a reserved bot: past its end).",
            "Raise the platforms' limits, hold fewer platforms, or lower the load; see waitReason of the bots waiting."),
    DEPLOY_FAILED("FATAL", "A platform refused its deploy for good (a permanent error: a bad image, a refused spec).",
            "Read the detail after the code; fix the image or the platform's settings."),
    DEPLOY_TIMEOUT("FATAL", "Deployed, but never called back within DEPLOY_TIMEOUT.",
            "Check that the container can reach BOTFLEET_CALLBACK_URL and starts in time; raise DEPLOY_TIMEOUT if start-up is slow."),
    HEARTBEAT_TIMEOUT("FATAL", "Called back, then went silent for longer than HEARTBEAT_TIMEOUT.",
            "Read the container's logs on its platform: it crashed, hung, or lost its network."),
    CONTAINER_FAILED("FATAL", "Its platform says the container failed (the detail: an exit code, an error).",
            "Read the detail and the container's logs on its platform."),
    CONTAINER_STOPPED("FATAL", "Its platform says the container stopped without the bot calling back DONE.",
            "Read the detail: a platform that took the capacity back re-queues the bot instead; anything else stopped it."),
    COOLIFY_DEPLOY_FAILED("FATAL", "Coolify could not deploy its pool slot after retries (the detail says which and why).",
            "Check the Coolify server and the slot's application in Coolify's UI.");

    /** The status a bot ends with for this reason. */
    private final String status;
    private final String meaning;
    private final String action;

    EndReason(String status, String meaning, String action) {
        this.status = status;
        this.meaning = meaning;
        this.action = action;
    }

    public String status() {
        return status;
    }

    public String meaning() {
        return meaning;
    }

    public String action() {
        return action;
    }

    /** The reason whose code starts {@code statusReason} (before ": "), if it is one of these. */
    public static Optional<EndReason> of(String statusReason) {
        if (statusReason == null) {
            return Optional.empty();
        }
        int colon = statusReason.indexOf(':');
        String code = colon < 0 ? statusReason : statusReason.substring(0, colon);
        return Arrays.stream(values()).filter(r -> r.name().equals(code)).findFirst();
    }

    /** What a metric names an ended bot's reason: its code, NONE (a finished call), or BOT_REPORTED. */
    public static String metricName(String statusReason) {
        return statusReason == null ? "NONE" : of(statusReason).map(Enum::name).orElse("BOT_REPORTED");
    }
}
