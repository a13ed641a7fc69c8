package io.botfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code X_SECRET_ARN} settings resolved through the real Secrets Manager SDK client against a
 * local endpoint that speaks its JSON protocol ({@code X-Amz-Target: secretsmanager.GetSecretValue}).
 */
class SecretSettingsTest {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String TOKEN_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:botfleet/coolify-AbCdEf";
    private static final String GONE_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:botfleet/gone-XyZ";
    private final MockWebServer secretsManager = new MockWebServer();
    private final List<String> asked = new CopyOnWriteArrayList<>();

    SecretSettingsTest() throws Exception {
        secretsManager.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                try {
                    JsonNode body = JSON.readTree(request.getBody().utf8());
                    asked.add(request.getHeaders().get("X-Amz-Target") + " " + body.path("SecretId").asString());
                    if (TOKEN_ARN.equals(body.path("SecretId").asString())) {
                        return json(200, "{\"ARN\":\"" + TOKEN_ARN + "\",\"Name\":\"botfleet/coolify\","
                                + "\"SecretString\":\"coolify-token-from-the-secret\",\"VersionId\":\"v1\"}");
                    }
                    return json(400, "{\"__type\":\"ResourceNotFoundException\","
                            + "\"message\":\"Secrets Manager can't find the specified secret.\"}");
                } catch (Exception e) {
                    return json(500, "{}");
                }
            }
        });
        secretsManager.start();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/x-amz-json-1.1").body(body).build();
    }

    @AfterEach
    void close() {
        secretsManager.close();
    }

    private SecretSettings.SecretReader reader() {
        System.setProperty("aws.accessKeyId", "AKIDTEST");
        System.setProperty("aws.secretAccessKey", "secret");
        return SecretSettings.secretsManager("eu-west-1", secretsManager.url("/").toString());
    }

    @Test
    void aSettingGivenAsASecretArnIsReadOnceFromSecretsManager() {
        Map<String, String> resolved = SecretSettings.resolve(Map.of("COOLIFY_API_TOKEN_SECRET_ARN", TOKEN_ARN,
                "DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Q1w2E3", "PORT", "8080"), this::reader);
        assertThat(resolved).containsEntry("COOLIFY_API_TOKEN", "coolify-token-from-the-secret")
                .as("the Data API's own secret setting is left as it is")
                .containsEntry("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Q1w2E3");
        assertThat(asked).containsExactly("secretsmanager.GetSecretValue " + TOKEN_ARN);
    }

    @Test
    void aSecretThatCannotBeReadStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> SecretSettings.resolve(Map.of("K8S_KUBECONFIG_CONTENT_SECRET_ARN", GONE_ARN), this::reader))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("K8S_KUBECONFIG_CONTENT cannot be read")
                .hasMessageContaining("ResourceNotFoundException")
                .message().as("the setting's value").doesNotContain(GONE_ARN);
        assertThatThrownBy(() -> SecretSettings.resolve(Map.of("COOLIFY_API_TOKEN", "x", "COOLIFY_API_TOKEN_SECRET_ARN", TOKEN_ARN),
                this::reader)).hasMessageContaining("COOLIFY_API_TOKEN is given both");
    }

    @Test
    void noSecretArnNoClient() {
        assertThat(SecretSettings.resolve(Map.of("PORT", "8080"), () -> {
            throw new AssertionError("no secret to read: no client is made");
        })).containsEntry("PORT", "8080");
    }
}
