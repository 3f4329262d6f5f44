package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.ShardedCheckpoint;
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
 * moved into place atomically: a reference never names a half-written file. A sharded checkpoint's shards are read in
 * place from the index's directory, each checked like the index.
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
    public URI write(String key, byte[] file) {
        Path target = root.resolve(ObjectKeys.require(key));
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
        return target.toUri();
    }

    /**
     * {@inheritDoc} A sharded reference: the index, then every shard it names in its directory (each inside the root
     * after symlinks, size and SHA-256 as {@code ref_shards} says), then the shards mapped in place as one checkpoint.
     */
    @Override
    public StoredCheckpoint open(CheckpointReference ref) {
        Path lexical = lexicalPath(ref.uri());
        if (lexical == null || !lexical.startsWith(root)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " is outside the store "
                    + root.toUri() + " (or not a plain absolute file:// path)");
        }
        String what = "referenced checkpoint " + ref.uri();
        try {
            Path real = verified(lexical, what, ref.bytes(), ref.sha256());
            if (!ref.sharded()) {
                return new StoredCheckpoint(SafeTensors.open(real), null);
            }
            Verify.shardNames(ref, ShardedCheckpoint.shardNames(real));
            for (CheckpointReference.Shard shard : ref.shards()) {
                verified(real.getParent().resolve(shard.file()), Verify.shard(shard, ref.uri()), shard.bytes(), shard.sha256());
            }
            return new StoredCheckpoint(ShardedCheckpoint.open(real), null);
        } catch (AccessDeniedException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, what + " is not readable by this service: " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, what + ": " + e.getFile() + " does not exist");
        } catch (IOException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.UNREADABLE, what + " could not be read: " + e, e);
        }
    }

    /** The file's real path after checking it lies in the root (symlinks resolved), is a regular file, and has this size and hash. */
    private Path verified(Path lexical, String what, long bytes, String sha256) throws IOException {
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, what + " does not exist");
        }
        if (!real.startsWith(root)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, what + " resolves to " + real
                    + " (a symbolic link), outside the store " + root.toUri());
        }
        if (!Files.isRegularFile(real)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, what + " is not a regular file");
        }
        try (FileChannel in = FileChannel.open(real, StandardOpenOption.READ)) {
            Verify.size(what, bytes, in.size());
            Verify.sha256(what, sha256, Sha256.of(in));
        }
        return real;
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

    @Override
    public String toString() {
        return "FileStore[" + root + "]";
    }
}
