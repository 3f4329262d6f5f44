package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.ShardedCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An S3 bucket (AWS, or an S3-compatible store: MinIO, Ceph, S3Proxy) under a key prefix as the store. A reference is
 * honoured only for its bucket and prefix. Reading downloads the object to a file in the spool directory while hashing
 * it, checks size and SHA-256, then maps that file per tensor like any checkpoint on disk; closing the
 * {@link StoredCheckpoint} deletes it. One object per checkpoint file (S3's single PUT takes up to 5 GB): a larger
 * checkpoint goes as a sharded one, the index and its shards side by side.
 */
public final class S3Store implements CheckpointStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path spool;

    /**
     * @param root  {@code s3://bucket} or {@code s3://bucket/prefix}
     * @param spool where downloads go (an existing directory with room for the largest checkpoints read at once)
     */
    public S3Store(S3Client s3, URI root, Path spool) {
        if (!"s3".equalsIgnoreCase(root.getScheme()) || root.getAuthority() == null || root.getAuthority().isEmpty()) {
            throw new IllegalArgumentException("an S3 store's root is s3://bucket[/prefix], not " + root);
        }
        this.s3 = s3;
        this.bucket = root.getAuthority();
        String p = root.getPath() == null ? "" : root.getPath().replaceAll("^/+|/+$", "");
        if (!p.isEmpty() && !ObjectKeys.plain(p)) {
            throw new IllegalArgumentException("S3 store prefix '" + p + "' is not a path of plain names");
        }
        this.prefix = p.isEmpty() ? "" : p + "/";
        this.spool = spool;
    }

    @Override
    public URI root() {
        return URI.create("s3://" + bucket + "/" + prefix);
    }

    @Override
    public boolean holds(URI uri) {
        return key(uri) != null;
    }

    @Override
    public URI write(String key, byte[] file) {
        String objectKey = prefix + ObjectKeys.require(key);
        try {
            // a stream over the array: RequestBody.fromBytes would copy a checkpoint of hundreds of MB
            s3.putObject(b -> b.bucket(bucket).key(objectKey).contentLength((long) file.length),
                    RequestBody.fromInputStream(new ByteArrayInputStream(file), file.length));
        } catch (SdkException e) {
            throw new UncheckedIOException(new IOException("could not store checkpoint s3://" + bucket + "/" + objectKey + ": " + e.getMessage(), e));
        }
        return uri(objectKey);
    }

    /**
     * {@inheritDoc} A sharded reference: the index and then every shard it names (objects beside it) are downloaded into
     * one new directory in the spool, each verified on the way; closing the checkpoint deletes the directory.
     */
    @Override
    public StoredCheckpoint open(CheckpointReference ref) {
        String key = key(ref.uri());
        if (key == null) {
            throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " is outside the store "
                    + root());
        }
        Path download = null;
        try {
            if (!ref.sharded()) {
                download = Files.createTempFile(spool, "checkpoint-", ".safetensors");
                fetch(key, download, "referenced checkpoint " + ref.uri(), ref.bytes(), ref.sha256());
                StoredCheckpoint stored = new StoredCheckpoint(SafeTensors.open(download), download);
                download = null;
                return stored;
            }
            download = Files.createTempDirectory(spool, "checkpoint-");
            String name = key.substring(key.lastIndexOf('/') + 1);
            String dir = key.substring(0, key.length() - name.length());
            Path index = download.resolve(name);
            fetch(key, index, "referenced checkpoint " + ref.uri(), ref.bytes(), ref.sha256());
            Verify.shardNames(ref, ShardedCheckpoint.shardNames(index));
            for (CheckpointReference.Shard shard : ref.shards()) {
                fetch(dir + shard.file(), download.resolve(shard.file()), Verify.shard(shard, ref.uri()), shard.bytes(), shard.sha256());
            }
            StoredCheckpoint stored = new StoredCheckpoint(ShardedCheckpoint.open(index), download);
            download = null;
            return stored;
        } catch (IOException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.UNREADABLE, "referenced checkpoint " + ref.uri() + " could not be "
                    + "read: " + e, e);
        } finally {
            StoredCheckpoint.delete(download);
        }
    }

    /** Downloads one object to {@code to} while hashing it; its size and SHA-256 must be the reference's. */
    private void fetch(String key, Path to, String what, long bytes, String sha256) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
             FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            Long length = in.response().contentLength();
            if (length != null) {
                Verify.size(what, bytes, length); // before downloading a file of the wrong size
            }
            Sha256.Copied copied = Sha256.copy(in, out, bytes);
            Verify.size(what, bytes, copied.bytes() < 0 ? bytes + 1 : copied.bytes());
            Verify.sha256(what, sha256, copied.sha256());
        } catch (NoSuchKeyException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, what + " does not exist");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new ClaimCheckException(ClaimCheckException.Problem.MISSING, what + " does not exist ("
                        + e.awsErrorDetails().errorCode() + ")");
            }
            throw new ClaimCheckException(e.statusCode() == 403 ? ClaimCheckException.Problem.REFUSED : ClaimCheckException.Problem.UNREADABLE,
                    what + ": S3 answered " + e.statusCode() + " " + e.getMessage(), e);
        } catch (SdkException | IOException e) {
            throw new ClaimCheckException(ClaimCheckException.Problem.UNREADABLE, what + " could not be read: " + e, e);
        }
    }

    private URI uri(String objectKey) {
        try {
            return new URI("s3", bucket, "/" + objectKey, null); // quotes what a URI may not hold as is
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("no URI for s3://" + bucket + "/" + objectKey, e);
        }
    }

    /** The object key of an {@code s3://} URI in this bucket under this prefix, or null. */
    private String key(URI uri) {
        if (!"s3".equalsIgnoreCase(uri.getScheme()) || !bucket.equals(uri.getAuthority()) || uri.getQuery() != null
                || uri.getFragment() != null || uri.getPath() == null || !uri.getPath().startsWith("/")) {
            return null;
        }
        String key = uri.getPath().substring(1);
        return ObjectKeys.plain(key) && key.startsWith(prefix) && key.length() > prefix.length() ? key : null;
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3Store[" + root() + "]";
    }
}
