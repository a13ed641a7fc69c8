package io.botfleet.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where the Coolify pool lives and how hard it may push: read when {@code PLATFORM_PRIORITY}
 * names {@code coolify}, each malformed setting named at start-up.
 *
 * @param apiUrl the instance, such as {@code https://coolify.example.com}; the client adds {@code /api/v1}
 */
public record CoolifySettings(String apiUrl, String apiToken, String projectUuid, String serverUuid,
                              String environmentName, String destinationUuid, int maxConcurrentDeploys,
                              Duration deployTimeout) {

    static CoolifySettings read(Env env) {
        String url = env.required("COOLIFY_API_URL");
        if (url != null) {
            try {
                URI uri = URI.create(url);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    env.problem("COOLIFY_API_URL must be an http(s) URL such as https://coolify.example.com");
                }
            } catch (IllegalArgumentException e) {
                env.problem("COOLIFY_API_URL must be an http(s) URL such as https://coolify.example.com");
            }
        }
        return new CoolifySettings(url, env.required("COOLIFY_API_TOKEN"), env.required("COOLIFY_PROJECT_UUID"),
                env.required("COOLIFY_SERVER_UUID"), env.string("COOLIFY_ENVIRONMENT_NAME", "production"),
                env.string("COOLIFY_DESTINATION_UUID", null), env.positiveInt("COOLIFY_MAX_CONCURRENT_DEPLOYS", 2),
                env.duration("COOLIFY_DEPLOY_TIMEOUT", "5m"));
    }
}
