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

    /**
     * Early stop: 2 consecutive checkpoints, from the first step on. Tuned in eval (EarlyStopBenchmark, issue 6 §4)
     * on the TRAINING runs' out-of-fold predictions with the scorer's fixed 80% interval and the trainer's
     * 75th-percentile reference ({@code scorer_levers_chosen_on_training}): on digits-1000, k=1 lost a top-5%
     * run in one of 20 training orders, k=2 kept them all (held-out: k=2 saves 0.700, all top-5% kept; k=1 saved
     * 0.758 there, but that is a choice made on held-out runs). From step 1 (min step fraction 0) beat 2 and 3.
     */
    public static final int DEFAULT_EARLY_STOP_CONSECUTIVE = 2;
    public static final double DEFAULT_EARLY_STOP_MIN_STEP_FRACTION = 0.0;

    public static ScorerConfig defaults() {
        return new ScorerConfig(0.5, null, DEFAULT_EARLY_STOP_CONSECUTIVE, DEFAULT_EARLY_STOP_MIN_STEP_FRACTION);
    }

    public static ScorerConfig from(Settings s) {
        String threshold = s.get(EARLY_STOP_THRESHOLD, "");
        return new ScorerConfig(
                s.getDouble(DYING_RELU_THRESHOLD, 0.5),
                threshold.isBlank() ? null : s.getDouble(EARLY_STOP_THRESHOLD, 0),
                s.getInt(EARLY_STOP_CONSECUTIVE, DEFAULT_EARLY_STOP_CONSECUTIVE),
                s.getDouble(EARLY_STOP_MIN_STEP_FRACTION, DEFAULT_EARLY_STOP_MIN_STEP_FRACTION));
    }
}
