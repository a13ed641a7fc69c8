package io.botfleet.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where and how bots run as Kubernetes Jobs: read when {@code PLATFORM_PRIORITY} names
 * {@code k8s}, each malformed setting named at start-up. The cluster is found from a kubeconfig
 * given as a value (the Lambda case, filled from a secret), a kubeconfig file, or else the usual
 * places (in-cluster service account, {@code KUBECONFIG}, {@code ~/.kube/config}).
 *
 * @param kubeconfig     the kubeconfig's YAML itself, or null
 * @param kubeconfigPath a kubeconfig file, or null
 * @param maxRuntime     a bot's Job is stopped by Kubernetes after this, or at its end time plus a margin if sooner
 * @param envFromSecret  a Secret whose keys every bot gets as environment variables (shared secrets), or null
 */
public record KubernetesSettings(String namespace, String kubeconfig, String kubeconfigPath, Duration stopGrace,
                                 Duration jobTtl, Duration maxRuntime, String cpu, String memory, String shmSize,
                                 String imagePullSecret, String envFromSecret) {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?");

    static KubernetesSettings read(Env env) {
        String kubeconfig = env.string("K8S_KUBECONFIG_CONTENT", null);
        String kubeconfigPath = env.string("K8S_KUBECONFIG", null);
        if (kubeconfig != null && kubeconfigPath != null) {
            env.problem("K8S_KUBECONFIG and K8S_KUBECONFIG_CONTENT are both set: give the cluster one way");
        }
        if (kubeconfigPath != null && !Files.isReadable(Path.of(kubeconfigPath))) {
            env.problem("K8S_KUBECONFIG names no readable file");
        }
        String quantity = "a Kubernetes quantity such as 500m, 1, 512Mi or 2Gi";
        String name = "a Kubernetes name (lower-case letters, digits, '-')";
        return new KubernetesSettings(
                env.matching("K8S_NAMESPACE", "default", DNS_LABEL, name),
                kubeconfig, kubeconfigPath,
                env.duration("K8S_STOP_GRACE", "30s"),
                env.duration("K8S_JOB_TTL", "10m"),
                env.duration("K8S_MAX_RUNTIME", "4h"),
                env.matching("K8S_BOT_CPU", "1", QUANTITY, quantity),
                env.matching("K8S_BOT_MEMORY", "2Gi", QUANTITY, quantity),
                env.matching("K8S_BOT_SHM_SIZE", "1Gi", QUANTITY, quantity),
                env.matching("K8S_IMAGE_PULL_SECRET", null, DNS_NAME, name),
                env.matching("K8S_ENV_FROM_SECRET", null, DNS_NAME, name));
    }
}
