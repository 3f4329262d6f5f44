package io.weightcast.store;

import io.weightcast.core.config.Settings;
import io.weightcast.core.records.CheckpointReference;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim check as the services use it ({@link StoreKeys}). Producers: {@link #claims} says whether a checkpoint of
 * that size goes by reference, {@link #store} writes it to the target store. The streams service: {@link #open}
 * honours a reference only inside one of its read roots, verified ({@link CheckpointStore#open}).
 */
public final class ClaimChecks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimChecks.class);

    private final CheckpointStore target;
    private final long thresholdBytes;
    private final List<CheckpointStore> readable;

    /**
     * @param target   where producers write (null: every checkpoint inline)
     * @param readable the roots references may point into (the target need not be among them)
     */
    public ClaimChecks(CheckpointStore target, long thresholdBytes, List<CheckpointStore> readable) {
        this.target = target;
        this.thresholdBytes = StoreKeys.THRESHOLD_BYTES.checked(thresholdBytes);
        this.readable = List.copyOf(readable);
    }

    /** No store: producers keep everything inline and every reference is refused. */
    public static ClaimChecks none() {
        return new ClaimChecks(null, StoreKeys.THRESHOLD_BYTES.defaultValue(), List.of());
    }

    /** From {@code store.*}: the target {@code store.uri}; the read roots {@code store.read.roots}, else the target. */
    public static ClaimChecks from(Settings settings) {
        Function<URI, CheckpointStore> open = uri -> storeAt(uri, settings);
        String uri = settings.get(StoreKeys.URI);
        CheckpointStore target = uri == null || uri.isBlank() ? null : open.apply(URI.create(uri.strip()));
        String roots = settings.get(StoreKeys.READ_ROOTS);
        List<CheckpointStore> readable = new ArrayList<>();
        if (roots == null || roots.isBlank()) {
            if (target != null) {
                readable.add(target);
            }
        } else {
            for (String root : roots.split(",")) {
                if (!root.isBlank()) {
                    readable.add(open.apply(URI.create(root.strip())));
                }
            }
        }
        ClaimChecks checks = new ClaimChecks(target, settings.get(StoreKeys.THRESHOLD_BYTES), readable);
        if (target != null || !readable.isEmpty()) {
            LOG.info("claim check: checkpoints above {} bytes to {}; references read from {}", checks.thresholdBytes,
                    target == null ? "(none: this service only reads)" : target.root(), readable.stream().map(CheckpointStore::root).toList());
        }
        return checks;
    }

    private static CheckpointStore storeAt(URI uri, Settings settings) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (scheme.equalsIgnoreCase("file")) {
            return new FileStore(Path.of(uri));
        }
        if (scheme.equalsIgnoreCase("s3")) {
            String spool = settings.get(StoreKeys.SPOOL_DIR);
            return new S3Store(S3Clients.of(settings.get(StoreKeys.S3_ENDPOINT), settings.get(StoreKeys.S3_REGION),
                    settings.get(StoreKeys.S3_PATH_STYLE)), uri, Path.of(spool == null ? System.getProperty("java.io.tmpdir") : spool));
        }
        throw new IllegalArgumentException("a checkpoint store is a file:// directory or an s3://bucket[/prefix], not " + uri);
    }

    /** True when a checkpoint of this many bytes goes to the store by reference. */
    public boolean claims(long bytes) {
        return target != null && bytes > thresholdBytes;
    }

    /** Writes the checkpoint file of (run, step) to the target store under its content-addressed key. */
    public CheckpointReference store(String runId, long step, byte[] file) {
        if (target == null) {
            throw new IllegalStateException("no checkpoint store (store.uri) to write to");
        }
        return target.put(CheckpointReference.objectKey(runId, step, Sha256.of(file)), file);
    }

    /**
     * Writes a Hugging Face sharded checkpoint of (run, step) to the target store: its shards, then its index (named
     * {@code *.index.json}), into the content-addressed directory {@link CheckpointReference#shardedDirectory}; returns
     * the sharded reference (the index's size and hash, {@code ref_shards} for the shards).
     *
     * @param shards shard file name → its bytes (the names the index's {@code weight_map} uses)
     */
    public CheckpointReference storeSharded(String runId, long step, String indexName, byte[] index, Map<String, byte[]> shards) {
        if (target == null) {
            throw new IllegalStateException("no checkpoint store (store.uri) to write to");
        }
        if (!indexName.endsWith(CheckpointReference.INDEX_SUFFIX) || !CheckpointReference.plainFileName(indexName)) {
            throw new IllegalArgumentException("a sharded checkpoint's index is a plain file name ending in "
                    + CheckpointReference.INDEX_SUFFIX + ", not '" + indexName + "'");
        }
        List<CheckpointReference.Shard> list = new ArrayList<>();
        shards.forEach((name, bytes) -> list.add(new CheckpointReference.Shard(name, bytes.length, Sha256.of(bytes))));
        String dir = CheckpointReference.shardedDirectory(runId, step, CheckpointReference.shardsDigest(list));
        shards.forEach((name, bytes) -> target.write(dir + name, bytes));
        URI stored = target.write(dir + indexName, index); // last: the index names only shards already there
        return new CheckpointReference(stored, index.length, Sha256.of(index), list);
    }

    /** The referenced checkpoint, from the read root that holds it; refused when none does. */
    public StoredCheckpoint open(CheckpointReference ref) {
        for (CheckpointStore store : readable) {
            if (store.holds(ref.uri())) {
                return store.open(ref);
            }
        }
        throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "reference " + ref.uri() + " is outside every read root ("
                + (readable.isEmpty() ? "none configured: set store.read.roots or store.uri" : readable.stream().map(s -> s.root().toString())
                .toList()) + ")");
    }

    public long thresholdBytes() {
        return thresholdBytes;
    }

    @Override
    public void close() {
        if (target != null) {
            target.close();
        }
        readable.forEach(CheckpointStore::close);
    }
}
