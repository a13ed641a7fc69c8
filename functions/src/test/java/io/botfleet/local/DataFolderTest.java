package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's data folder holds its secrets: only its owner may read them. */
class DataFolderTest {
    private static final String TOKEN_SECRET = "an-earlier-token-secret-0123456789";
    private static final String WEBHOOK_SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";

    @TempDir
    Path temp;

    @Test
    void aNewDataFolderAndItsSecretsAreTheOwnersOnly() throws Exception {
        Path data = temp.resolve("data");
        try (LocalRunner runner = LocalRunner.start(Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString()))) {
            assertThat(permissions(data)).isEqualTo("rwx------");
            assertThat(permissions(data.resolve("bot-token-secret"))).isEqualTo("rw-------");
            assertThat(permissions(data.resolve("webhook-secret"))).isEqualTo("rw-------");
        }
    }

    /** A data folder of an earlier version (readable by everyone): tightened, its secrets kept. */
    @Test
    void anEarlierDataFolderReadableByOthersIsTightenedAndKeepsItsSecrets() throws Exception {
        Path data = temp.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(data.resolve("bot-token-secret"), TOKEN_SECRET);
        Files.writeString(data.resolve("webhook-secret"), WEBHOOK_SECRET);
        for (String secret : new String[] {"bot-token-secret", "webhook-secret"}) {
            Files.setPosixFilePermissions(data.resolve(secret), PosixFilePermissions.fromString("rw-r--r--"));
        }
        try (LocalRunner runner = LocalRunner.start(Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString()))) {
            assertThat(permissions(data)).isEqualTo("rwx------");
            assertThat(permissions(data.resolve("bot-token-secret"))).isEqualTo("rw-------");
            assertThat(permissions(data.resolve("webhook-secret"))).isEqualTo("rw-------");
            assertThat(Files.readString(data.resolve("bot-token-secret"))).isEqualTo(TOKEN_SECRET);
            assertThat(Files.readString(data.resolve("webhook-secret"))).isEqualTo(WEBHOOK_SECRET);
        }
    }

    /** A folder every user may write to (such as /tmp) is nobody's own: refused, and left as it is. */
    @Test
    void aDataFolderEveryoneMayWriteToIsRefusedNamingTheSetting() throws Exception {
        Path data = temp.resolve("shared");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> LocalRunner.start(Map.of("PORT", "0", "BOTFLEET_DATA_DIR", data.toString())))
                .isInstanceOf(IOException.class).hasMessageContaining("BOTFLEET_DATA_DIR").hasMessageContaining(data.toString());
        assertThat(permissions(data)).isEqualTo("rwxrwxrwx");
        try (var files = Files.list(data)) {
            assertThat(files).as("nothing written there").isEmpty();
        }
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
