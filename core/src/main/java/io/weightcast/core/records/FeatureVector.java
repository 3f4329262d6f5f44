package io.weightcast.core.records;

/**
 * A value of the {@code features} topic: one checkpoint's fixed-size feature vector, laid out as
 * {@code io.weightcast.core.features.FeatureLayout} version {@code layoutVersion} says.
 *
 * @param checkpointTimestamp when the checkpoint record was produced (for ingest→score latency)
 * @param embedding           the checkpoint's hyper-representation z from the current encoder (design §5
 *                            "Embeddings"); null when no encoder serves the architecture yet
 */
public record FeatureVector(
        String runId,
        long step,
        Integer plannedSteps,
        String study,
        String activation,
        int layoutVersion,
        double[] values,
        Health health,
        long checkpointTimestamp,
        long computedAt,
        Embedding embedding) {

    /** A vector without an embedding (no encoder for its architecture). */
    public FeatureVector(String runId, long step, Integer plannedSteps, String study, String activation, int layoutVersion,
                         double[] values, Health health, long checkpointTimestamp, long computedAt) {
        this(runId, step, plannedSteps, study, activation, layoutVersion, values, health, checkpointTimestamp, computedAt, null);
    }

    public FeatureVector withEmbedding(Embedding e) {
        return new FeatureVector(runId, step, plannedSteps, study, activation, layoutVersion, values, health,
                checkpointTimestamp, computedAt, e);
    }
}
