package io.botfleet.platform.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.bot.BotTokens;
import io.botfleet.config.ConfigException;
import io.botfleet.config.Settings;
import io.botfleet.platform.BotEnvironment;
import io.botfleet.platform.PlatformDeployError;
import io.botfleet.platform.PlatformDeployError.Kind;
import io.botfleet.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kubeconfig that cannot be read is named by its setting and the line, never quoted: a value
 * stops start-up, a file (read when the platform is first called) fails that call.
 */
class KubeconfigTest {
    private static final String TOKEN = "planted-Kube-Token-4Rw";
    /** Line 10 opens a quoted token that never closes. */
    private static final String MALFORMED = """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: https://127.0.0.1:6443
              name: c
            users:
            - name: u
              user:
                token: "%s
              : [
            """.formatted(TOKEN);

    @TempDir
    Path dir;

    private static KubernetesPlatformService platform(Map<String, String> kubeconfig) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "1"));
        env.putAll(kubeconfig);
        Settings settings = Fixtures.settings(env);
        return KubernetesPlatformService.from(settings.kubernetes(), settings.botImages(),
                new BotEnvironment("https://botfleet.example.com", new BotTokens(Fixtures.SECRET)), Clock.systemUTC(),
                Duration.ofSeconds(5));
    }

    private static Throwable start(Map<String, String> kubeconfig) {
        return catchThrowable(() -> platform(kubeconfig));
    }

    @Test
    void aMalformedKubeconfigValueIsNamedWithItsLine() {
        Throwable e = start(Map.of("K8S_KUBECONFIG_CONTENT", MALFORMED));
        assertThat(e).isInstanceOf(ConfigException.class)
                .hasMessageContaining("K8S_KUBECONFIG_CONTENT").hasMessageContaining("line 10");
        assertThat(printed(e)).doesNotContain(TOKEN);
    }

    @Test
    void aMalformedKubeconfigFileIsNamedWithItsLineByTheFirstCall() throws Exception {
        Path file = Files.writeString(dir.resolve("config"), MALFORMED);
        KubernetesPlatformService platform = platform(Map.of("K8S_KUBECONFIG", file.toString())); // not read yet
        PlatformDeployError e = catchThrowableOfType(PlatformDeployError.class, () -> platform.findBot(1));
        assertThat(e.kind()).as("nothing was sent: the bot may go to another platform").isEqualTo(Kind.TRANSIENT);
        assertThat(e).hasMessageContaining("K8S_KUBECONFIG").hasMessageContaining("line 10");
        assertThat(printed(e)).doesNotContain(TOKEN);
    }

    private static String printed(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
