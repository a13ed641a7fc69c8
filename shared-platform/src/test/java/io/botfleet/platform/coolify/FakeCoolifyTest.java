package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake Coolify is only worth what it refuses: it holds the client to Coolify's own document
 * (unchanged), to what Coolify's code refuses beyond it, and to how Coolify runs deployments.
 * Requests here are sent by hand, as a careless client would.
 */
class FakeCoolifyTest {
    /** Coolify's document as published for app 4.3.11 (the README beside it says where from). */
    private static final String DOCUMENT_SHA256 = "789e6ad3796ce1299c8cc5b1055c2b955ec3a5b210a8b5151ad7f59b80c30258";
    private static final MediaType JSON = MediaType.get("application/json");
    private static final String CREATE = """
            {"project_uuid":"prj1a2b3c","server_uuid":"srv9z8y7","environment_name":"production",
             "docker_registry_image_name":"ghcr.io/botfleet/zoom-bot","docker_registry_image_tag":"1.0",
             "ports_exposes":"3000","name":"%s","instant_deploy":false}""";
    private final FakeCoolify coolify = new FakeCoolify(Duration.ofMillis(300), Duration.ofMinutes(1));
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void close() {
        coolify.close();
    }

    private Response send(String method, String pathAndQuery, String body) throws IOException {
        return http.newCall(new Request.Builder().url(coolify.url() + "/api/v1/" + pathAndQuery)
                .header("Authorization", "Bearer " + FakeCoolify.TOKEN)
                .method(method, body == null ? (method.equals("GET") ? null : RequestBody.create(new byte[0]))
                        : RequestBody.create(body, JSON))
                .build()).execute();
    }

    private int code(String method, String pathAndQuery, String body) throws IOException {
        try (Response response = send(method, pathAndQuery, body)) {
            return response.code();
        }
    }

    private String created(String name) throws IOException {
        try (Response response = send("POST", "applications/dockerimage", CREATE.formatted(name))) {
            assertThat(response.code()).isEqualTo(201);
            return tools.jackson.databind.json.JsonMapper.shared().readTree(response.body().string())
                    .path("uuid").asString();
        }
    }

    @Test
    void theDocumentIsCoolifysUnchanged() throws Exception {
        try (InputStream document = FakeCoolifyTest.class.getResourceAsStream("/coolify/openapi.yaml")) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(document.readAllBytes());
            assertThat(HexFormat.of().formatHex(digest)).isEqualTo(DOCUMENT_SHA256);
        }
    }

    @Test
    void whatTheDocumentForbidsIsRefusedAndRecorded() throws Exception {
        assertThat(code("POST", "applications/dockerimage", """
                {"project_uuid":"prj1a2b3c","server_uuid":"srv9z8y7","environment_name":"production"}""")).isEqualTo(422);
        assertThat(code("POST", "applications/dockerimage", CREATE.formatted("x").replace("false}", "\"no\"}"))).isEqualTo(422);
        assertThat(code("GET", "deployments/applications/abc?take=many", null)).isEqualTo(422);
        assertThat(coolify.violations()).hasSize(3)
                .anyMatch(v -> v.contains("docker_registry_image_name"))
                .anyMatch(v -> v.contains("boolean expected")) // instant_deploy
                .anyMatch(v -> v.contains("deployments/applications/abc: string found, integer expected")); // take
    }

    @Test
    void whatCoolifysCodeRefusesBeyondTheDocumentIsRefusedToo() throws Exception {
        String app = created("botfleet-slot-1");
        assertThat(code("PATCH", "applications/" + app, "{\"project_uuid\":\"prj1a2b3c\"}")).isEqualTo(422);
        assertThat(code("PATCH", "applications/" + app, "{\"description\":\"\"}")).isEqualTo(422);
        assertThat(code("PATCH", "applications/" + app, "{\"docker_registry_image_name\":\"ghcr.io/botfleet/zoom-bot:1.1\"}"))
                .isEqualTo(422);
        assertThat(code("POST", "applications/dockerimage", CREATE.formatted("y").replace("false}", "false,\"tags\":[\"Pool\"]}")))
                .isEqualTo(422);
        assertThat(coolify.violations()).hasSize(4);
        assertThat(code("PATCH", "applications/" + app, "{\"description\":\"fine\"}")).isEqualTo(200);
    }

    @Test
    void stateChangingRoutesRefuseGetAndAWrongTokenIsUnauthenticated() throws Exception {
        String app = created("botfleet-slot-1");
        try (Response deploy = send("GET", "deploy?uuid=" + app, null)) {
            assertThat(deploy.code()).isEqualTo(405);
            assertThat(deploy.header("Allow")).isEqualTo("POST");
        }
        assertThat(code("GET", "applications/" + app + "/stop", null)).isEqualTo(405);
        assertThat(code("POST", "applications/" + app + "/stop", null)).isEqualTo(200);
        try (Response anonymous = http.newCall(new Request.Builder().url(coolify.url() + "/api/v1/applications").build()).execute()) {
            assertThat(anonymous.code()).isEqualTo(401);
        }
    }

    @Test
    void deploymentsRunOnTheirOwnTwoAtATimeAndAFullQueueIs429() throws Exception {
        List<String> apps = List.of(created("a"), created("b"), created("c"), created("d"));
        for (String app : apps) {
            assertThat(code("POST", "deploy?uuid=" + app, null)).isEqualTo(200);
        }
        int mostBuilding = 0;
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (finished() < apps.size()) {
            assertThat(System.nanoTime()).as("all four finish").isLessThan(end);
            synchronized (coolify.backend()) {
                mostBuilding = Math.max(mostBuilding, (int) coolify.backend().deployments.stream()
                        .filter(d -> d.status.equals("in_progress")).count());
            }
            Thread.sleep(10);
        }
        assertThat(mostBuilding).isEqualTo(FakeCoolifyBackend.CONCURRENT_BUILDS);

        coolify.queueLimit(0);
        try (Response full = send("POST", "deploy?uuid=" + apps.get(0), null)) {
            assertThat(full.code()).isEqualTo(429);
            assertThat(full.header("Retry-After")).isEqualTo("60");
        }
    }

    private long finished() {
        synchronized (coolify.backend()) {
            return coolify.backend().deployments.stream().filter(d -> d.status.equals("finished")).count();
        }
    }
}
