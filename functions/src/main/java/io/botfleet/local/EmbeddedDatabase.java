package io.botfleet.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded default: a real PostgreSQL (the same major as the Aurora engine) whose data lives
 * in {@code <data dir>/postgres}, so a restart of the runner keeps every bot and queue entry.
 * The runner stops it, last of all: the library's own shutdown hook would stop it at the same
 * time as the runner stops its bots (the JVM runs hooks at once), and their last callbacks would
 * find no database. Its server runs in a session of its own ({@code pg_ctl} starts it so), out of
 * reach of a terminal's Ctrl-C.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static EmbeddedDatabase start(Path dataDirectory) throws IOException {
        Path directory = dataDirectory.resolve("postgres").toAbsolutePath();
        Files.createDirectories(directory);
        return new EmbeddedDatabase(EmbeddedPostgres.builder()
                .setDataDirectory(directory)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .start());
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
