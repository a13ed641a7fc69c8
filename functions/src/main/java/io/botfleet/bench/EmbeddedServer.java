package io.botfleet.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The benchmarks' embedded PostgreSQL: in a fresh temporary folder, removed afterwards. */
final class EmbeddedServer {
    private EmbeddedServer() {
    }

    /**
     * Starts a server, runs {@code benchmark} on it and stops it; a failure is named in
     * {@code figures} (its stack trace goes to stderr) and counts as a failed run. fsync is off:
     * the figures are about statements and CPU, not about this machine's disk.
     */
    static boolean run(PrintStream figures, Predicate<EmbeddedPostgres> benchmark) {
        Path dataDirectory;
        try {
            dataDirectory = Files.createTempDirectory("botfleet-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true).setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off").setServerConfig("max_connections", "100").start()) {
            return benchmark.test(postgres);
        } catch (IOException | RuntimeException e) {
            figures.println("run failed: " + e);
            e.printStackTrace();
            return false;
        } finally { // zonky deletes it on close too; this also covers a failed start
            if (Files.exists(dataDirectory)) {
                try (Stream<Path> paths = Files.walk(dataDirectory)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary folder left behind is harmless
                }
            }
        }
    }
}
