package io.botfleet.local;

import io.botfleet.Log;
import io.botfleet.log.Redacted;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The embedded default: a real PostgreSQL (the same major as the Aurora engine) whose data lives
 * in {@code <data dir>/postgres}, so a restart of the runner keeps every bot and queue entry.
 * The runner stops it, last of all: the library's own shutdown hook would stop it at the same
 * time as the runner stops its bots (the JVM runs hooks at once), and their last callbacks would
 * find no database. Its server runs in a session of its own ({@code pg_ctl} starts it so), out of
 * reach of a terminal's Ctrl-C, so a runner killed outright leaves it behind: the next runner on
 * the folder stops that leftover before it starts its own.
 *
 * <p>PostgreSQL's own output (initdb, pg_ctl and the server's log) goes to
 * {@code <data dir>/postgres.log}, not to the runner's output: it is not JSON, and the server
 * quotes a failed statement's values in it (a unique violation's key).
 */
final class EmbeddedDatabase implements AutoCloseable {
    /** How long a leftover server may take to shut down (it writes a checkpoint first). */
    private static final Duration LEFTOVER_STOP = Duration.ofSeconds(30);
    /** PostgreSQL's own output, in the data folder. */
    static final String LOG_FILE = "postgres.log";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts the folder's database; the caller holds the data folder's lock, so no other runner uses it. */
    static EmbeddedDatabase start(Path dataDirectory) throws IOException {
        Path directory = dataDirectory.resolve("postgres").toAbsolutePath();
        Files.createDirectories(directory);
        stopLeftover(directory);
        Path logFile = dataDirectory.resolve(LOG_FILE).toAbsolutePath();
        ProcessBuilder.Redirect serverLog = ProcessBuilder.Redirect.appendTo(logFile.toFile());
        try {
            return new EmbeddedDatabase(EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setOutputRedirector(serverLog)
                    .setErrorRedirector(serverLog)
                    .start());
        } catch (IOException | RuntimeException e) { // its reason is in the log, not in the library's message
            throw new IOException("the embedded database did not start: see " + logFile, Redacted.of(e));
        }
    }

    /**
     * The server a runner killed outright left on this folder (its pid in {@code postmaster.pid}):
     * stopped, as its owner would have. A pid that is not a postgres server of this very folder (the
     * number reused by another program) is left alone.
     */
    private static void stopLeftover(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        Optional<ProcessHandle> leftover = lines.isEmpty() || !lines.get(0).strip().matches("\\d+") ? Optional.empty()
                : ProcessHandle.of(Long.parseLong(lines.get(0).strip())).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                .filter(p -> p.info().arguments().map(args -> Arrays.asList(args).contains(directory.toString())).orElse(false));
        if (leftover.isEmpty()) {
            return;
        }
        Log.warn("local.database_leftover_stopped", Map.of("pid", leftover.get().pid(), "folder", directory.toString()));
        leftover.get().destroy(); // SIGTERM: PostgreSQL's smart shutdown; its clients died with their runner
        try {
            leftover.get().onExit().get(LEFTOVER_STOP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("the database an earlier runner left on " + directory + " (pid " + leftover.get().pid()
                    + ") does not stop: stop it, then start again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the database an earlier runner left was stopping");
        }
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
