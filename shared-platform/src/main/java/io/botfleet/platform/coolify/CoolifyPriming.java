package io.botfleet.platform.coolify;

import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.mappers.CoolifyStatusMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Every call of {@link CoolifyApiClient} once, through OkHttp as production builds it, each
 * answered by an interceptor before any name is resolved or connection made (the pool's slots
 * are SQL, which priming leaves alone). SnapStart priming runs it so that a restored container's
 * first Coolify call finds OkHttp, Kotlin's runtime and the JSON loaded.
 */
public final class CoolifyPriming {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final String APPLICATION = """
            {"uuid": "priming-app", "name": "botfleet-slot-0", "status": "running:healthy", "description": "priming"}""";
    private static final String DEPLOYMENT = """
            {"deployment_uuid": "priming-deployment", "status": "finished", "application_name": "botfleet-slot-0",
             "created_at": "1970-01-01T00:00:00.000000Z"}""";

    private CoolifyPriming() {
    }

    public static void prime(Duration callTimeout) throws PlatformDeployError {
        CoolifyApiClient coolify = new CoolifyApiClient(new CoolifyApiClient.Endpoint("https://priming.invalid", "priming",
                callTimeout), CoolifyPriming::answer);
        String app = coolify.createDockerImageApplication(new CoolifyApiClient.NewApplication("priming", "priming",
                "production", null, "botfleet-slot-0", "priming", "priming", "latest", List.of("botfleet-pool-priming")));
        coolify.upsertEnvs(app, Map.of("BOT_ID", "0"));
        coolify.update(app, "priming", "latest", "priming");
        String deployment = coolify.deploy(app);
        coolify.getDeployment(deployment);
        coolify.listDeployments(app, 5);
        coolify.listRunningDeployments();
        coolify.listApplications("botfleet-pool-priming").forEach(a -> CoolifyStatusMapper.map(a.status()));
        coolify.getApplication(app).orElseThrow();
        coolify.cancelDeployment(deployment);
        coolify.stop(app);
        coolify.delete(app);
    }

    /** What Coolify answers each call, in its shapes; state changes answer a message. */
    private static Response answer(Interceptor.Chain chain) {
        Request request = chain.request();
        String path = request.url().encodedPath().substring("/api/v1/".length());
        String json = switch (request.method() + " " + path) {
            case "POST applications/dockerimage" -> "{\"uuid\": \"priming-app\"}";
            case "POST deploy" -> "{\"deployments\": [{\"message\": \"queued\", \"resource_uuid\": \"priming-app\", "
                    + "\"deployment_uuid\": \"priming-deployment\"}]}";
            case "GET applications/priming-app" -> APPLICATION;
            case "GET applications" -> "[" + APPLICATION + "]";
            case "GET deployments/applications/priming-app" -> "{\"count\": 1, \"deployments\": [" + DEPLOYMENT + "]}";
            case "GET deployments/priming-deployment" -> DEPLOYMENT;
            case "GET deployments" -> "[" + DEPLOYMENT + "]";
            default -> "{\"message\": \"ok\"}";
        };
        return new Response.Builder().request(request).protocol(Protocol.HTTP_1_1).code(200).message("OK")
                .body(ResponseBody.create(json, JSON)).build();
    }
}
