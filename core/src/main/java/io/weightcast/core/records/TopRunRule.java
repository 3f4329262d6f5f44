package io.weightcast.core.records;

import java.util.List;

/**
 * The early-stop rule of a final-accuracy model (issue 6 §4): a LightGBM binary classifier of
 * P(the run finishes at or above its study's {@code labelPercentile} of final accuracy) from one
 * checkpoint's features, and per stage of training the probability below which a run is an
 * early-stop candidate: the {@code alpha}-quantile of what calibration runs that finished at or
 * above the {@code referencePercentile} scored at that stage. So at most a share {@code alpha} of
 * such runs would have been stopped there. A run is a candidate after {@code consecutive}
 * checkpoints below.
 *
 * @param thresholds       per stage: stage b of B = {@code thresholds.size()} holds the checkpoints
 *                         with step / planned_steps in ((b−1)/B, b/B]
 * @param calibrationRuns  runs at or above the reference the thresholds came from
 */
public record TopRunRule(double labelPercentile, double referencePercentile, double alpha, int consecutive,
                         List<Double> thresholds, String modelText, int calibrationRuns) {

    public TopRunRule {
        thresholds = List.copyOf(thresholds);
    }

    /** The stage (0-based index into {@code thresholds}) of a checkpoint at this fraction of its planned steps. */
    public int stage(double stepFraction) {
        return stage(stepFraction, thresholds.size());
    }

    /** Stage of a step fraction among {@code stages} equal ones; an unknown fraction (NaN) is the first. */
    public static int stage(double stepFraction, int stages) {
        if (!Double.isFinite(stepFraction)) {
            return 0;
        }
        int s = (int) Math.ceil(stepFraction * stages - 1e-9) - 1;
        return Math.max(0, Math.min(stages - 1, s));
    }

    /** The probability below which a checkpoint at this fraction of training counts against its run. */
    public double threshold(double stepFraction) {
        return thresholds.get(stage(stepFraction));
    }
}
