package io.botfleet.platform.aws;

import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.Failure;

/**
 * What an ECS failure means for the core, by its error code, never its message: a RunTask
 * {@code failures[]} entry (no task started) and an exception the SDK raised after its own
 * retries. Capacity ({@code RESOURCE:*}, Fargate capacity unavailable) sends the bot to the next
 * platform; throttling and a lost ECS agent are worth a later try; a setting ECS refuses is
 * permanent. No answer, or a server error, after RunTask or StopTask leaves the outcome unknown.
 */
final class EcsFailures {
    private static final String PLATFORM = "aws";
    private static final Set<String> PERMANENT_CODES = Set.of("ClientException", "InvalidParameterException",
            "ClusterNotFoundException", "AccessDeniedException", "PlatformUnknownException",
            "PlatformTaskDefinitionIncompatibilityException", "UnsupportedFeatureException", "BlockedException",
            "UnrecognizedClientException", "InvalidSignatureException");

    private EcsFailures() {
    }

    /** Fargate reports a capacity provider with no capacity left with this reason (there is no code of its own). */
    static boolean capacityUnavailable(Failure f) {
        String reason = String.valueOf(f.reason());
        return reason.startsWith("RESOURCE:") || reason.startsWith("Capacity is unavailable");
    }

    /** The failures of a RunTask that started nothing. */
    static PlatformDeployError of(List<Failure> failures) {
        String what = "RunTask started no task: " + failures.stream()
                .map(f -> f.reason() + (f.detail() == null ? "" : " (" + f.detail() + ")")).collect(Collectors.joining("; "));
        if (!failures.isEmpty() && failures.stream().allMatch(EcsFailures::capacityUnavailable)) {
            return new PlatformDeployError(Kind.CAPACITY, PLATFORM, what);
        }
        if (failures.stream().anyMatch(f -> "AGENT".equals(f.reason()))) {
            return new PlatformDeployError(Kind.TRANSIENT, PLATFORM, what); // the ECS agent reconnects routinely
        }
        return new PlatformDeployError(failures.isEmpty() ? Kind.TRANSIENT : Kind.PERMANENT, PLATFORM, what);
    }

    static PlatformDeployError of(SdkException e, boolean changesState, String what) {
        String code = e instanceof EcsException ecsError && ecsError.awsErrorDetails() != null
                ? ecsError.awsErrorDetails().errorCode() : null;
        String message = what + ": " + (code == null ? "" : code + ": ") + e.getMessage();
        if (e instanceof EcsException ecs && code != null) {
            if (ecs.isThrottlingException() || "ThrottlingException".equals(code)) {
                return new PlatformDeployError(Kind.TRANSIENT, PLATFORM, message, e); // refused: nothing was done
            }
            if (PERMANENT_CODES.contains(code)) {
                return new PlatformDeployError(Kind.PERMANENT, PLATFORM, message, e);
            }
            if (ecs.statusCode() >= 400 && ecs.statusCode() < 500) {
                return new PlatformDeployError(Kind.TRANSIENT, PLATFORM, message, e);
            }
        }
        // a server error, a timeout or a connection lost: the call may have been carried out
        return changesState || !(e instanceof SdkClientException || e instanceof EcsException)
                ? PlatformDeployError.outcomeUnknown(PLATFORM, message, e)
                : new PlatformDeployError(Kind.TRANSIENT, PLATFORM, message, e);
    }
}
