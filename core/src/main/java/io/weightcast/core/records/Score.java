package io.weightcast.core.records;

import java.util.List;

/**
 * A value of the {@code scores} topic (design §4). {@code predictedFinalAccuracy}, {@code interval}
 * and {@code modelVersion} are null before any model exists; {@code note} then says so.
 */
public record Score(
        String runId,
        long step,
        Integer plannedSteps,
        String study,
        Double predictedFinalAccuracy,
        Interval interval,
        List<Interval> intervals,
        Integer modelVersion,
        List<String> flags,
        int featuresVersion,
        long checkpointTimestamp,
        long scoredAt,
        String note) {
}
