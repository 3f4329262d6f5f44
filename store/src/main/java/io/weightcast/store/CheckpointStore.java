package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;
import java.net.URI;

/**
 * A shared store of checkpoint files that Kafka records refer to instead of carrying them (the claim-check pattern,
 * design §10): a directory every service mounts ({@link FileStore}: a k8s PVC, NFS) or an S3 bucket ({@link S3Store}).
 * Producers {@link #put} a file and send its {@link CheckpointReference}; the streams service {@link #open}s it,
 * verified, and reads it one tensor at a time.
 */
public interface CheckpointStore extends AutoCloseable {
    /** The store's root: {@code file:///dir/} or {@code s3://bucket/prefix}. */
    URI root();

    /** True when {@code uri} names an object inside this store's root (no {@code ..}, no other bucket or directory). */
    boolean holds(URI uri);

    /**
     * Stores one checkpoint file under {@code key} (a relative path of plain names, {@link CheckpointReference#objectKey})
     * and returns its reference; storing the same bytes under the same key again is harmless.
     *
     * @throws java.io.UncheckedIOException when the store cannot be written
     */
    default CheckpointReference put(String key, byte[] file) {
        return new CheckpointReference(write(key, file), file.length, Sha256.of(file));
    }

    /**
     * Stores one file under {@code key} (any file: a checkpoint, a shard, a sharded checkpoint's index) and returns its
     * URI; storing the same bytes under the same key again is harmless.
     *
     * @throws java.io.UncheckedIOException when the store cannot be written
     */
    URI write(String key, byte[] file);

    /**
     * The referenced file, after checking that this store holds it and that its size and SHA-256 are the reference's,
     * open per tensor (memory-mapped). The caller closes it.
     *
     * @throws ClaimCheckException refused, missing, mismatching or unreadable
     */
    StoredCheckpoint open(CheckpointReference ref);

    @Override
    default void close() {
    }
}
