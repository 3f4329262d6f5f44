package io.weightcast.app.live;

/** Ingest→score latency of the live checkpoints: producer send → the score's arrival on the scores topic, seconds. */
public record LatencyQuality(int count, double p50, double p99, double max, int modelVersionsDuringLive) {
}
