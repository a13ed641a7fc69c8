package io.botfleet.platform.coolify;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.platform.PlatformBotStatus;
import io.botfleet.platform.mappers.CoolifyStatusMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bot's status on Coolify: the application's {@code state:health} read by its state, and UNKNOWN when Coolify cannot say. */
class CoolifyBotStatusTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NULL", value = {
            "running:healthy, RUNNING", "running:unhealthy, RUNNING", "running:unknown, RUNNING", "running, RUNNING",
            "Running:Healthy, RUNNING",
            "starting:unknown, PENDING", "created, PENDING", "restarting:unknown, PENDING", "restarting, PENDING",
            "exited, STOPPED", "exited:unhealthy, STOPPED", "paused:unknown, STOPPED", "dead, STOPPED", "removing, STOPPED",
            "degraded:unhealthy, FAILED", "degraded, FAILED",
            "'', UNKNOWN", "NULL, UNKNOWN", "something-new:healthy, UNKNOWN"})
    void theStateBeforeTheColonDecides(String coolifyStatus, PlatformBotStatus expected) {
        assertThat(CoolifyStatusMapper.map(coolifyStatus).state()).isEqualTo(expected);
    }

    @Test
    void whenCoolifyCannotBeAskedTheStatusIsUnknownNeverFailed() throws Exception {
        try (FakeCoolify coolify = new FakeCoolify(Duration.ofMillis(50), Duration.ofMinutes(1))) {
            CoolifyApiClient client = new CoolifyApiClient(new CoolifyApiClient.Endpoint(coolify.url(), FakeCoolify.TOKEN,
                    Duration.ofSeconds(2)));
            CoolifyPlatformService platform = new CoolifyPlatformService(client, null, null); // status reads Coolify only
            String app = client.createDockerImageApplication(new CoolifyApiClient.NewApplication("prj1a2b3c", "srv9z8y7",
                    "production", null, "botfleet-slot-1", "a slot", "ghcr.io/botfleet/zoom-bot", "1.0", List.of("pool")));
            assertThat(platform.getBotStatus(app).state()).isEqualTo(PlatformBotStatus.STOPPED); // made, never deployed: exited

            coolify.answerNext(FakeCoolify.answer(500, FakeCoolify.message("Server Error")));
            assertThat(platform.getBotStatus(app).state()).isEqualTo(PlatformBotStatus.UNKNOWN);

            client.delete(app);
            assertThat(platform.getBotStatus(app).state()).as("no such application: nothing runs").isEqualTo(PlatformBotStatus.STOPPED);

            coolify.close();
            assertThat(platform.getBotStatus(app).state()).isEqualTo(PlatformBotStatus.UNKNOWN);
        }
    }
}
