package io.botfleet.platform.kubernetes;

import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * What a failed call to the API server means for the core, by its HTTP code and the Status
 * reason Kubernetes sends: a quota that is full is CAPACITY (the next platform may have room);
 * 429 and a conflict on the quota object are TRANSIENT; 400, 401, 403, 404, 422 are PERMANENT (a
 * setting or a right is wrong, and retrying cannot help). No answer, and a 5xx, after a request
 * that changes state leave its outcome unknown: the Job may have been made.
 */
final class KubernetesFailures {
    private static final String PLATFORM = "k8s";

    private KubernetesFailures() {
    }

    static PlatformDeployError of(KubernetesClientException e, boolean changesState, String what) {
        int code = e.getCode();
        String message = what + ": " + (e.getStatus() != null && e.getStatus().getMessage() != null
                ? "HTTP " + code + " " + e.getStatus().getMessage() : String.valueOf(e.getMessage()));
        if (code == 0 || code >= 500) { // no answer (timeout, connection), or the server failed midway
            return changesState ? PlatformDeployError.outcomeUnknown(PLATFORM, message, e)
                    : new PlatformDeployError(Kind.TRANSIENT, PLATFORM, message, e);
        }
        if (code == 403 && isQuota(e)) {
            return new PlatformDeployError(Kind.CAPACITY, PLATFORM, message, e);
        }
        if (code == 429 || code == 409 || code == 408 || code == 410) {
            return new PlatformDeployError(Kind.TRANSIENT, PLATFORM, message, e);
        }
        return new PlatformDeployError(Kind.PERMANENT, PLATFORM, message, e);
    }

    /** A ResourceQuota refused the pod or Job: the namespace is full, not misconfigured. */
    private static boolean isQuota(KubernetesClientException e) {
        // Kubernetes gives a quota refusal no reason code of its own: Forbidden, with "exceeded quota" in its message
        return e.getStatus() != null && "Forbidden".equals(e.getStatus().getReason())
                && String.valueOf(e.getStatus().getMessage()).contains("exceeded quota");
    }

    /**
     * A create answered 409: the object may exist (AlreadyExists) or a quota object was busy
     * (Conflict). The caller reads the object by its name to tell, rather than trusting the reason
     * (servers and proxies do not all send AlreadyExists).
     */
    static boolean conflict(KubernetesClientException e) {
        return e.getCode() == 409;
    }
}
