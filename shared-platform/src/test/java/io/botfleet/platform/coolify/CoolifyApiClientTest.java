package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.platform.coolify.CoolifyApiClient.Deployment;
import io.botfleet.platform.coolify.CoolifyApiClient.Endpoint;
import io.botfleet.platform.coolify.CoolifyApiClient.NewApplication;
import io.botfleet.platform.coolify.FakeCoolify.ListFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Coolify client against the fake Coolify: every request it sends is one Coolify's document
 * and code accept, and every way a call can fail comes back classified. A state-changing call
 * that may have reached Coolify is "outcome unknown"; one that surely did not is plainly transient.
 */
class CoolifyApiClientTest {
    private static final String TAG = "botfleet-pool-prj1a2b3c";
    private final FakeCoolify coolify = new FakeCoolify(Duration.ofMillis(100), Duration.ofMinutes(1));
    private final CoolifyApiClient client = client(FakeCoolify.TOKEN, Duration.ofSeconds(3));

    @AfterEach
    void close() {
        coolify.close();
    }

    private CoolifyApiClient client(String token, Duration callTimeout) {
        return new CoolifyApiClient(new Endpoint(coolify.url(), token, callTimeout));
    }

    private String application(String name) throws PlatformDeployError {
        return client.createDockerImageApplication(new NewApplication("prj1a2b3c", "srv9z8y7", "production", null, name,
                "a pool slot", "ghcr.io/botfleet/zoom-bot", "1.0", List.of(TAG)));
    }

    private static PlatformDeployError failure(PlatformCall call) {
        return catchThrowableOfType(PlatformDeployError.class, call::run);
    }

    private interface PlatformCall {
        void run() throws PlatformDeployError;
    }

    @Test
    void everyCallIsOneCoolifyAccepts() throws Exception {
        String app = application("botfleet-slot-1");
        client.upsertEnvs(app, Map.of("BOT_ID", "7", "MEETING_PLATFORM", "zoom"));
        client.update(app, "ghcr.io/botfleet/meet-bot", "1.1", "botfleet botfleet-slot-1: bot 7 (google_meet)");
        String deployment = client.deploy(app);

        assertThat(client.listRunningDeployments()).extracting(Deployment::uuid).contains(deployment);
        assertThat(client.listDeployments(app, 5)).extracting(Deployment::uuid).containsExactly(deployment);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!client.getDeployment(deployment).orElseThrow().status().equals("finished")) {
            assertThat(System.nanoTime()).as("the deployment finishes").isLessThan(end);
            Thread.sleep(20);
        }
        assertThat(client.getApplication(app).orElseThrow().status()).startsWith("running");
        assertThat(client.listApplications(TAG)).extracting(CoolifyApiClient.Application::name).containsExactly("botfleet-slot-1");
        assertThat(coolify.backend().apps.get(app).envs).containsEntry("BOT_ID", "7");
        assertThat(coolify.backend().apps.get(app).image).isEqualTo("ghcr.io/botfleet/meet-bot");

        client.cancelDeployment(deployment); // it finished: nothing to cancel, and no error
        client.stop(app);
        client.delete(app);
        assertThat(client.getApplication(app)).isEmpty();
        assertThat(client.getDeployment("nosuchdeployment0000000")).isEmpty();
        assertThat(coolify.violations()).isEmpty();
        assertThat(coolify.requests()).contains("POST /deploy", "POST /applications/" + app + "/stop")
                .doesNotContain("GET /deploy", "GET /applications/" + app + "/stop");
    }

    @Test
    void refusalsArePermanentAndCarryCoolifysMessage() throws Exception {
        PlatformDeployError wrongToken = failure(() -> client("not-the-token", Duration.ofSeconds(3)).listApplications(TAG));
        assertThat(wrongToken.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(wrongToken).hasMessageContaining("401").hasMessageContaining("Unauthenticated.");

        PlatformDeployError unknown = failure(() -> client.update("nosuchapp000000000000000", "ghcr.io/x/y", "1", "d"));
        assertThat(unknown.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(unknown).hasMessageContaining("404").hasMessageContaining("Application not found.");

        coolify.answerNext(FakeCoolify.answer(403, FakeCoolify.message("You are not allowed to access this team.")));
        PlatformDeployError forbidden = failure(() -> client.listApplications(TAG));
        assertThat(forbidden.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(forbidden).hasMessageContaining("403").hasMessageContaining("not allowed to access");

        PlatformDeployError invalid = failure(() -> client.createDockerImageApplication(new NewApplication("prj1a2b3c",
                "srv9z8y7", "production", null, "botfleet-slot-2", "d", "ghcr.io/x/y", "1", List.of("Botfleet-Pool"))));
        assertThat(invalid.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(invalid.outcomeUnknown()).isFalse();
        assertThat(invalid).hasMessageContaining("422").hasMessageContaining("Botfleet-Pool has capitals");
    }

    @Test
    void a429IsWaitedOutWhenItsRetryAfterFitsTheDeadline() throws Exception {
        String app = application("botfleet-slot-1");
        coolify.answerNext(new MockResponse.Builder().code(429).setHeader("Retry-After", "1").build());
        long start = System.nanoTime();
        String deployment = client.deploy(app);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(client.getDeployment(deployment)).isPresent();
        assertThat(coolify.requests().stream().filter(r -> r.equals("POST /deploy"))).hasSize(2);
    }

    @Test
    void a429BeyondTheDeadlineIsTransientAtOnceAndSurelyChangedNothing() throws Exception {
        String app = application("botfleet-slot-1");
        coolify.queueLimit(0); // the fake's full queue answers 429 with Retry-After 60
        long start = System.nanoTime();
        PlatformDeployError full = failure(() -> client.deploy(app));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(full.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(full.outcomeUnknown()).isFalse();
        assertThat(full).hasMessageContaining("429").hasMessageContaining("Retry-After 60 s").hasMessageContaining("queue is full");
    }

    @Test
    void aServerErrorLeavesAStateChangeUnknownAndAReadTransient() throws Exception {
        String app = application("botfleet-slot-1");
        coolify.answerNext(FakeCoolify.answer(500, FakeCoolify.message("Server Error")),
                FakeCoolify.answer(503, FakeCoolify.message("Service Unavailable")));
        PlatformDeployError deploy = failure(() -> client.deploy(app));
        assertThat(deploy.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(deploy.outcomeUnknown()).isTrue();
        PlatformDeployError read = failure(() -> client.getApplication(app));
        assertThat(read.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(read.outcomeUnknown()).isFalse();
    }

    @Test
    void noAnswerWithinTheCallTimeoutIsTransientAndUnknownForAStateChange() throws Exception {
        CoolifyApiClient impatient = client(FakeCoolify.TOKEN, Duration.ofSeconds(1));
        String app = application("botfleet-slot-1");
        coolify.answerNext(slow(), slow());
        long start = System.nanoTime();
        PlatformDeployError stop = failure(() -> impatient.stop(app));
        PlatformDeployError read = failure(() -> impatient.getApplication(app));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(stop.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(stop.outcomeUnknown()).isTrue();
        assertThat(read.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(read.outcomeUnknown()).isFalse();
    }

    @Test
    void aConnectionLostAfterTheRequestIsUnknownAndARefusedOneIsNot() throws Exception {
        String app = application("botfleet-slot-1");
        coolify.answerNext(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        PlatformDeployError lost = failure(() -> client.deploy(app));
        assertThat(lost.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(lost.outcomeUnknown()).isTrue();

        coolify.close(); // nothing listens now: the request never left
        PlatformDeployError refused = failure(() -> client.deploy(app));
        assertThat(refused.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(refused.outcomeUnknown()).isFalse();
    }

    @Test
    void aTruncatedAnswerIsTransientForAReadAndUnknownForAStateChange() throws Exception {
        String app = application("botfleet-slot-1");
        coolify.failListing(ListFailure.TRUNCATED);
        PlatformDeployError list = failure(() -> client.listApplications(TAG));
        assertThat(list.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(list.outcomeUnknown()).isFalse();

        coolify.answerNext(new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                .body("{\"deployments\":[{\"deployment_uuid\":").build());
        PlatformDeployError deploy = failure(() -> client.deploy(app));
        assertThat(deploy.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(deploy.outcomeUnknown()).isTrue();
    }

    private static MockResponse slow() {
        return new MockResponse.Builder().code(200).body("{}").headersDelay(3, TimeUnit.SECONDS).build();
    }
}
