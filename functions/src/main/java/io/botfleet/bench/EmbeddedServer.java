package io.botfleet.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The benchmarks' embedded PostgreSQL: in a fresh temporary folder, removed afterwards. */
final class EmbeddedServer {
    private EmbeddedServer() {
    }

    /** A benchmark's body: its figures on the server, with its sizes; whether every check passed. */
    interface Benchmark {
        boolean run(EmbeddedPostgres postgres, BenchArgs sizes, QuietLog log);
    }

    /**
     * One whole run on an embedded PostgreSQL of its own, with {@code args} over {@code defaults};
     * stdout is the quiet log meanwhile, and is put back after. Returns whether every check passed.
     */
    static boolean runQuietly(String[] args, Map<String, String> defaults, PrintStream figures, Benchmark benchmark) {
        BenchArgs sizes = BenchArgs.parse(args, defaults);
        PrintStream stdout = System.out;
        QuietLog log = new QuietLog();
        System.setOut(log);
        try {
            return run(figures, postgres -> benchmark.run(postgres, sizes, log));
        } finally {
            System.setOut(stdout);
        }
    }

    /** A statement outside any transaction, on the server's own database: CREATE or DROP DATABASE. */
    static void admin(EmbeddedPostgres postgres, String statement) {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement, e);
        }
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
