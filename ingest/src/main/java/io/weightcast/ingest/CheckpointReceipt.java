package io.weightcast.ingest;

/**
 * What the broker acknowledged for one checkpoint: the HTTP 202 body
 * ({@code {"run_id","step","parts","bytes"}}, bytes = record-value bytes produced over all parts).
 */
public record CheckpointReceipt(String runId, long step, int parts, long bytes) {
}
