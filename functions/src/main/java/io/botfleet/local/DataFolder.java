package io.botfleet.local;

import io.botfleet.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The runner's data folder ({@code BOTFLEET_DATA_DIR}): its database, its bots' logs and its
 * secrets. One runner at a time uses it (a lock held while the runner runs), and only its owner
 * may read it: the folder is {@code 0700} and each secret file {@code 0600}, created with those
 * permissions rather than changed after writing, so a secret is never readable by others, even
 * briefly. A folder or secret of an earlier version that others could read is tightened (and
 * said so); a folder every user may write to is refused.
 */
final class DataFolder implements AutoCloseable {
    private static final String LOCK = "runner.lock";
    private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path path;
    private final FileChannel lockChannel;

    private DataFolder(Path path, FileChannel lockChannel) {
        this.path = path;
        this.lockChannel = lockChannel;
    }

    /** Makes or checks the folder, then takes it for this runner; refuses when another runner has it. */
    static DataFolder open(Path folder) throws IOException {
        Path path = folder.toAbsolutePath().normalize();
        if (Files.notExists(path)) {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            Files.createDirectory(path, ownerOnly(FOLDER));
        } else {
            tightenFolder(path);
        }
        FileChannel channel = FileChannel.open(path.resolve(LOCK),
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), ownerOnly(FILE));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            lock = null; // a runner of this same JVM has it (tests)
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another runner is using the data folder " + path
                    + ": stop it, or set BOTFLEET_DATA_DIR to another folder");
        }
        return new DataFolder(path, channel);
    }

    Path path() {
        return path;
    }

    /**
     * A secret that survives restarts, made once by {@code make}: written to a new file made
     * {@code 0600}, then moved into place in one step, so it is never seen half-written.
     */
    String secret(String name, Supplier<String> make) throws IOException {
        Path file = path.resolve(name);
        if (Files.exists(file)) {
            tighten(file, FILE);
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        String secret = make.get();
        Path fresh = Files.createTempFile(path, name, ".new", ownerOnly(FILE));
        try {
            Files.writeString(fresh, secret, StandardCharsets.UTF_8);
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(fresh);
        }
        return secret;
    }

    /** Lets another runner have the folder. */
    @Override
    public void close() throws IOException {
        lockChannel.close();
    }

    /** Whoever may write to the folder could swap the runner's files: such a folder is nobody's own. */
    private static void tightenFolder(Path path) throws IOException {
        if (POSIX && Files.getPosixFilePermissions(path).contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("every user may write to the data folder " + path
                    + ": set BOTFLEET_DATA_DIR to a folder of your own");
        }
        tighten(path, FOLDER);
    }

    private static void tighten(Path path, Set<PosixFilePermission> wanted) throws IOException {
        if (!POSIX) {
            return;
        }
        Set<PosixFilePermission> was = Files.getPosixFilePermissions(path);
        if (wanted.containsAll(was)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(path, wanted);
        } catch (IOException e) {
            throw new IOException("others may read " + path + " and it cannot be made its owner's only ("
                    + e.getMessage() + "): change its permissions, or set BOTFLEET_DATA_DIR to a folder of your own", e);
        }
        Log.warn("local.permissions_tightened", Map.of("path", path.toString(),
                "was", PosixFilePermissions.toString(was), "now", PosixFilePermissions.toString(wanted)));
    }

    private static FileAttribute<?>[] ownerOnly(Set<PosixFilePermission> permissions) {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)} : new FileAttribute<?>[0];
    }
}
