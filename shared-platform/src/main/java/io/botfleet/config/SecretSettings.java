package io.botfleet.config;

import io.botfleet.log.Redacted;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/**
 * Settings kept in Secrets Manager: any setting {@code X} may be given as {@code X_SECRET_ARN},
 * and its value is read once, when the function starts (before a SnapStart snapshot: a rotated
 * secret reaches the functions with their next published version, see docs/deploy-aws.md). A secret
 * that cannot be read stops start-up naming the setting.
 */
public final class SecretSettings {
    private static final String SUFFIX = "_SECRET_ARN";
    /** Settings whose own name ends in _SECRET_ARN: they name a secret for another use. */
    private static final Set<String> NAMES_OF_SECRETS = Set.of("DB_SECRET_ARN");

    /** Reads one secret's string value. */
    @FunctionalInterface
    public interface SecretReader {
        String read(String arn);
    }

    private SecretSettings() {
    }

    /** The environment with every {@code X_SECRET_ARN} turned into {@code X}; the reader is made only if one is given. */
    public static Map<String, String> resolve(Map<String, String> environment, Supplier<SecretReader> reader) {
        Map<String, String> resolved = new HashMap<>(environment);
        List<String> problems = new ArrayList<>();
        SecretReader secrets = null;
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            String key = entry.getKey();
            if (!key.endsWith(SUFFIX) || NAMES_OF_SECRETS.contains(key) || key.length() == SUFFIX.length()) {
                continue;
            }
            String setting = key.substring(0, key.length() - SUFFIX.length());
            if (environment.containsKey(setting)) {
                problems.add(setting + " is given both as a value and as " + key + "; give one");
                continue;
            }
            try {
                secrets = secrets == null ? reader.get() : secrets;
                String value = secrets.read(entry.getValue());
                if (value == null || value.isEmpty()) {
                    throw new IllegalStateException("it has no string value");
                }
                resolved.put(setting, value);
            } catch (RuntimeException e) {
                // by the error code only: the service's message names the secret, and the reader's may quote it
                String code = e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                        && aws.awsErrorDetails().errorCode() != null ? aws.awsErrorDetails().errorCode()
                        : Redacted.safeMessage(e) != null ? Redacted.safeMessage(e) : e.getClass().getSimpleName();
                problems.add(setting + " cannot be read from the secret " + key + " names: " + code);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid settings: " + String.join("; ", problems));
        }
        return resolved;
    }

    /** Secrets Manager with the default credentials chain; {@code endpoint} for a stand-in, or null. */
    public static SecretReader secretsManager(String region, String endpoint) {
        SecretsManagerClientBuilder builder = SecretsManagerClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)).build())
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(10)));
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        SecretsManagerClient client = builder.build();
        return arn -> client.getSecretValue(r -> r.secretId(arn)).secretString();
    }
}
