package io.weightcast.ingest;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.safetensors.CheckpointParts;
import java.util.List;

/**
 * A checkpoint that passed validation: its parsed metadata and the record values to produce (one per part).
 * Parts are built on demand ({@link #part(int)}) from views of the uploaded body, so a sender that produces each
 * part before building the next holds the body plus one part instead of two copies of the body (issue 21).
 */
public final class ValidCheckpoint {
    private final CheckpointMetadata metadata;
    private final byte[] body;
    private final CheckpointParts.Plan plan;

    private ValidCheckpoint(CheckpointMetadata metadata, byte[] body, CheckpointParts.Plan plan) {
        this.metadata = metadata;
        this.body = body;
        this.plan = plan;
    }

    /** Published as uploaded: one record, the client's own bytes. */
    static ValidCheckpoint asIs(CheckpointMetadata metadata, byte[] body) {
        return new ValidCheckpoint(metadata, body, null);
    }

    static ValidCheckpoint planned(CheckpointMetadata metadata, CheckpointParts.Plan plan) {
        return new ValidCheckpoint(metadata, null, plan);
    }

    public CheckpointMetadata metadata() {
        return metadata;
    }

    public int partCount() {
        return body != null ? 1 : plan.count();
    }

    /** Builds part {@code i} (a new array unless the body goes through as is). */
    public byte[] part(int i) {
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

    public CheckpointReceipt receipt() {
        return new CheckpointReceipt(metadata.runId(), metadata.step(), partCount(), bytes());
    }
}
