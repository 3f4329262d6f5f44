package io.weightcast.ingest;

import io.weightcast.core.records.CheckpointMetadata;
import java.util.List;

/** A checkpoint that passed validation: its parsed metadata and the record values to produce (one per part). */
public record ValidCheckpoint(CheckpointMetadata metadata, List<byte[]> parts) {

    public long bytes() {
        long n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        return n;
    }

    public CheckpointReceipt receipt() {
        return new CheckpointReceipt(metadata.runId(), metadata.step(), parts.size(), bytes());
    }
}
