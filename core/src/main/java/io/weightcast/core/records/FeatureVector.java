package io.weightcast.core.records;

/**
 * A value of the {@code features} topic: one checkpoint's fixed-size feature vector, laid out as
 * {@code io.weightcast.core.features.FeatureLayout} version {@code layoutVersion} says.
 *
 * @param checkpointTimestamp when the checkpoint record was produced (for ingest→score latency)
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
        long computedAt) {
}
