package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.scorer.Prediction;
import java.util.Map;

/**
 * One scored checkpoint as the policies see it.
 *
 * @param study        the run's study (checkpoint metadata, else the runs topic), may be null
 * @param plannedSteps likewise, may be null
 * @param now          wall-clock time of scoring (an alert's raised_at)
 */
public record Checkpoint(FeatureVector features, String study, Integer plannedSteps, Prediction prediction, long now) {

    public long step() {
        return features.step();
    }

    /** step / planned_steps, or null when the planned steps are unknown. */
    public Double stepFraction() {
        return plannedSteps == null || plannedSteps <= 0 ? null : (double) step() / plannedSteps;
    }

    public Alert alert(String kind, String severity, Map<String, Object> evidence) {
        return new Alert(features.runId(), step(), kind, severity, evidence, prediction.modelVersion(), study, now);
    }
}
