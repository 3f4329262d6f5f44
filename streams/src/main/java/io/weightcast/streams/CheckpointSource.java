package io.weightcast.streams;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.store.ClaimCheckException;
import io.weightcast.store.ClaimChecks;
import io.weightcast.store.StoredCheckpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a checkpoint record's tensors come from (design §10): the record's own bytes (inline), or, for a reference record,
 * the stored file it names, read only inside the configured roots and only after its size and SHA-256 matched
 * ({@link ClaimChecks}), then mapped per tensor. Both apps of the service decode records through it.
 */
final class CheckpointSource {
    private final ClaimChecks references;
    private final StreamsMetrics metrics;
    private final String app;

    CheckpointSource(ClaimChecks references, StreamsMetrics metrics, String app) {
        this.references = references;
        this.metrics = metrics;
        this.app = app;
    }

    /** A referenced checkpoint, open: its tensors and its metadata; closing it releases a downloaded copy. */
    record Referenced(SafeTensors tensors, CheckpointMetadata metadata, StoredCheckpoint stored) implements AutoCloseable {
        @Override
        public void close() {
            stored.close();
        }
    }

    /** The reference a decoded record carries; empty for an inline checkpoint (malformed reference keys throw). */
    static Optional<CheckpointReference> reference(SafeTensors record) {
        return CheckpointReference.of(record.metadata());
    }

    /**
     * Opens what {@code record} refers to. Its metadata is the stored file's overlaid by the record's: what the producer sent
     * on Kafka (and ingest checked, scopes included) wins.
     *
     * @throws ClaimCheckException refused, missing, changed or unreadable (counted by outcome)
     */
    Referenced open(CheckpointReference ref, SafeTensors record, String key) {
        long t0 = System.nanoTime();
        StoredCheckpoint stored;
        try {
            stored = references.open(ref);
        } catch (ClaimCheckException e) {
            metrics.references.labelValues(app, e.problem().label()).inc();
            throw e;
        }
        try {
            Map<String, String> meta = new LinkedHashMap<>(stored.checkpoint().metadata());
            meta.putAll(CheckpointReference.strip(record.metadata()));
            Referenced open = new Referenced(stored.checkpoint(), CheckpointMetadata.parse(meta, key), stored);
            metrics.references.labelValues(app, "resolved").inc();
            metrics.referenceBytes.labelValues(app).inc(ref.totalBytes());
            metrics.referenceSeconds.labelValues(app).observe((System.nanoTime() - t0) / 1e9);
            return open;
        } catch (RuntimeException e) {
            stored.close();
            throw e;
        }
    }
}
