package io.weightcast.ingest;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.store.ClaimChecks;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint that passed validation: its parsed metadata and the record values to produce (one per part).
 * Parts are built on demand ({@link #part(int)}) from views of the uploaded body, so a sender that produces each
 * part before building the next holds the body plus one part instead of two copies of the body (issue 21).
 */
public final class ValidCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ValidCheckpoint.class);
    private final CheckpointMetadata metadata;
    private final byte[] body;
    private final CheckpointParts.Plan plan;
    /** Non-null while the body still has to go to the claim-check store: the metadata its reference record carries. */
    private final Map<String, String> toStore;

    private ValidCheckpoint(CheckpointMetadata metadata, byte[] body, CheckpointParts.Plan plan, Map<String, String> toStore) {
        this.metadata = metadata;
        this.body = body;
        this.plan = plan;
        this.toStore = toStore;
    }

    /** Published as uploaded: one record, the client's own bytes. */
    static ValidCheckpoint asIs(CheckpointMetadata metadata, byte[] body) {
        return new ValidCheckpoint(metadata, body, null, null);
    }

    static ValidCheckpoint planned(CheckpointMetadata metadata, CheckpointParts.Plan plan) {
        return new ValidCheckpoint(metadata, null, plan, null);
    }

    /** Above the claim-check threshold: {@link #stored} writes the body to the store; the record is then its reference. */
    static ValidCheckpoint toStore(CheckpointMetadata metadata, Map<String, String> merged, byte[] body) {
        return new ValidCheckpoint(metadata, body, null, Map.copyOf(merged));
    }

    /** True when {@link #stored} has a file to write (blocking I/O: not on an event loop). */
    public boolean byReference() {
        return toStore != null;
    }

    /**
     * This checkpoint ready to produce: one marked for the store is written there (design §10) and becomes one reference
     * record ({@link CheckpointReference}: the merged metadata plus the file's URI, size and SHA-256); any other is returned
     * as it is. Call it after the request's authorisation, so a refused request writes nothing.
     */
    public ValidCheckpoint stored(ClaimChecks checks) {
        if (toStore == null) {
            return this;
        }
        CheckpointReference ref;
        try {
            ref = checks.store(metadata.runId(), metadata.step(), body);
        } catch (UncheckedIOException | IllegalStateException e) {
            LOG.warn("checkpoint of run {} step {} not stored: {}", metadata.runId(), metadata.step(), e.toString());
            // the client learns that, not where the store is
            throw new IngestRejection(RejectReason.STORE_UNAVAILABLE, "the checkpoint store could not take this checkpoint (see the "
                    + "gateway's log)");
        }
        return asIs(metadata, ref.record(toStore));
    }

    public CheckpointMetadata metadata() {
        return metadata;
    }

    public int partCount() {
        return body != null ? 1 : plan.count();
    }

    /** Builds part {@code i} (a new array unless the body goes through as is). */
    public byte[] part(int i) {
        requireStored();
        if (body != null) {
            if (i != 0) {
                throw new IndexOutOfBoundsException(i);
            }
            return body;
        }
        return plan.part(i);
    }

    /** Every part at once (the SDK, tests); the gateway builds them one by one. */
    public List<byte[]> parts() {
        requireStored();
        return body != null ? List.of(body) : plan.all();
    }

    public long bytes() {
        if (body != null) {
            return body.length;
        }
        long n = 0;
        for (int i = 0; i < plan.count(); i++) {
            n += plan.size(i);
        }
        return n;
    }

    private void requireStored() {
        if (toStore != null) {
            throw new IllegalStateException("checkpoint of run " + metadata.runId() + " step " + metadata.step() + " goes by reference: "
                    + "store it first (stored)");
        }
    }

    public CheckpointReceipt receipt() {
        return new CheckpointReceipt(metadata.runId(), metadata.step(), partCount(), bytes());
    }
}
