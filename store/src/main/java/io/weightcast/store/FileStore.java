package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A directory as the store: a k8s PVC or an NFS mount that producers and the streams service share. A {@code file://}
 * reference is honoured only inside the root: its path may not contain {@code .} or {@code ..} names, and its real path
 * (symlinks resolved) must still lie under the root's real path, so a producer cannot make the streams host read
 * {@code /etc/shadow} or follow a link out of the store. Files are written to a temporary name, forced to disk, then
 * moved into place atomically: a reference never names a half-written file.
 */
public final class FileStore implements CheckpointStore {
    private final Path root;

    /** @param root an existing directory */
    public FileStore(Path root) {
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint store directory " + root + " is not there", e);
        }
        if (!Files.isDirectory(this.root)) {
            throw new IllegalArgumentException("checkpoint store " + root + " is not a directory");
        }
    }

    @Override
    public URI root() {
        return root.toUri();
    }

    @Override
    public boolean holds(URI uri) {
        Path p = lexicalPath(uri);
        return p != null && p.startsWith(root);
    }

    @Override
    public CheckpointReference put(String key, byte[] file) {
        Path target = root.resolve(ObjectKeys.require(key));
        String sha = Sha256.of(file);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".incoming-", ".tmp");
            try {
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(file);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    out.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not store checkpoint " + target, e);
        }
        return new CheckpointReference(target.toUri(), file.length, sha);
    }

    @Override
    public StoredCheckpoint open(CheckpointReference ref) {
        Path lexical = lexicalPath(ref.uri());
        if (lexical == null || !lexical.startsWith(root)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " is outside the store "
                    + root.toUri() + " (or not a plain absolute file:// path)");
        }
        if (lexical.getFileName().toString().endsWith(".index.json")) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " names a sharded "
                    + "checkpoint's index; a reference's hash covers one safetensors file");
        }
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, "referenced checkpoint " + ref.uri() + " does not exist");
        } catch (IOException e) {
            throw unreadable(ref, e);
        }
        if (!real.startsWith(root)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " resolves to " + real
                    + " (a symbolic link), outside the store " + root.toUri());
        }
        if (!Files.isRegularFile(real)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " is not a regular file");
        }
        try (FileChannel in = FileChannel.open(real, StandardOpenOption.READ)) {
            Verify.size(ref, in.size());
            Verify.sha256(ref, Sha256.of(in));
            return new StoredCheckpoint(SafeTensors.open(real), null);
        } catch (NoSuchFileException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, "referenced checkpoint " + ref.uri() + " does not exist");
        } catch (AccessDeniedException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "referenced checkpoint " + ref.uri() + " is not readable "
                    + "by this service: " + e.getMessage());
        } catch (IOException e) {
            throw unreadable(ref, e);
        }
    }

    /** The absolute path a {@code file:} URI names, or null when it has anything else (host, query, {@code .} or {@code ..}). */
    private static Path lexicalPath(URI uri) {
        if (!"file".equalsIgnoreCase(uri.getScheme()) || uri.isOpaque() || uri.getQuery() != null || uri.getFragment() != null
                || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
            return null;
        }
        String path = uri.getPath();
        if (path == null || !path.startsWith("/") || !ObjectKeys.plain(path.substring(1))) {
            return null;
        }
        return Path.of(path);
    }

    private static ClaimCheckException unreadable(CheckpointReference ref, IOException e) {
        return new ClaimCheckException(ClaimCheckException.Problem.UNREADABLE, "referenced checkpoint " + ref.uri() + " could not be "
                + "read: " + e, e);
    }

    @Override
    public String toString() {
        return "FileStore[" + root + "]";
    }
}
