package io.weightcast.scorer;

import io.weightcast.core.config.Settings;

/**
 * The scoring policies' settings (see {@link ScorerService} for the keys and defaults).
 *
 * @param earlyStopThreshold used when the model has no reference for the run's study; null = no decision
 */
public record ScorerConfig(double dyingReluThreshold, Double earlyStopThreshold, int earlyStopConsecutive,
                           double earlyStopMinStepFraction) {

    public static final String DYING_RELU_THRESHOLD = "scorer.dying.relu.threshold";
    public static final String EARLY_STOP_THRESHOLD = "scorer.early.stop.threshold";
    public static final String EARLY_STOP_CONSECUTIVE = "scorer.early.stop.consecutive";
    public static final String EARLY_STOP_MIN_STEP_FRACTION = "scorer.early.stop.min.step.fraction";

    public ScorerConfig {
        if (earlyStopConsecutive < 1) {
            throw new IllegalArgumentException(EARLY_STOP_CONSECUTIVE + " must be at least 1, was " + earlyStopConsecutive);
        }
    }

    public static ScorerConfig defaults() {
        return new ScorerConfig(0.5, null, 2, 0.0);
    }

    public static ScorerConfig from(Settings s) {
        String threshold = s.get(EARLY_STOP_THRESHOLD, "");
        return new ScorerConfig(
                s.getDouble(DYING_RELU_THRESHOLD, 0.5),
                threshold.isBlank() ? null : s.getDouble(EARLY_STOP_THRESHOLD, 0),
                s.getInt(EARLY_STOP_CONSECUTIVE, 2),
                s.getDouble(EARLY_STOP_MIN_STEP_FRACTION, 0.0));
    }
}
