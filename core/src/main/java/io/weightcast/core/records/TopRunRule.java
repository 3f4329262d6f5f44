package io.weightcast.core.records;

import java.util.List;
import java.util.Map;

/**
 * The early-stop rule of a final-accuracy model (issue 6 §4): a LightGBM binary classifier of
 * P(the run finishes at or above its study's {@code labelPercentile} of final accuracy) from one
 * checkpoint's features, and per stage of training the probability below which a run is an
 * early-stop candidate: the {@code alpha}-quantile of what calibration runs that finished at or
 * above the {@code referencePercentile} scored at that stage. So at most a share {@code alpha} of
 * such runs would have been stopped there. A run is a candidate after {@code consecutive}
 * checkpoints below.
 *
 * <p>With a {@code guardLevel} (models from 2026-12-06 on), a checkpoint counts against its run only if the
 * regressor agrees: the upper end of the run's interval at that level is below its study's label cut too (the final
 * accuracy at its {@code labelPercentile}). A late bloomer the classifier rates low early but whose predicted final
 * accuracy can still reach the top is then not stopped; trainer {@code TopRunCalibrator} has the measurements.
 *
 * @param thresholds       per stage: stage b of B = {@code thresholds.size()} holds the checkpoints
 *                         with step / planned_steps in ((b−1)/B, b/B]
 * @param calibrationRuns  runs at or above the reference the thresholds came from
 * @param labelCuts        per study, its final accuracy at the guard's percentile ({@link #guardPercentile()}); key
 *                         {@link #ALL_STUDIES}: over every zoo run, for a study the model has no cut for. Null or empty: no guard
 * @param guardLevel       the level of the interval whose upper end must be below the label cut too; 0: no guard
 * @param guardPercentile  the percentile of its study's final accuracy the cuts are at (0, models before 2026-12-07:
 *                         {@code labelPercentile}); the trainer chooses it with the guard level and {@code alpha} on its zoo
 *                         (core {@code StopRuleSelection})
 * @param guardMargins     per stage (as {@code thresholds}), for a guard calibrated on top runs (models from 2026-12-07 on):
 *                         a checkpoint counts only if its predicted final accuracy plus the stage's margin is below the cut.
 *                         The margin is the {@code guardLevel}-quantile of how far below the cut the regressor predicted
 *                         calibration runs that did finish at or above it, so a top run is stopped with probability at most
 *                         1 − {@code guardLevel} per stage (a one-sided conformal test conditioned on being a top run; 1 or
 *                         more: too few such runs, nothing counts there). Empty: the upper end of the interval at
 *                         {@code guardLevel} is compared instead, a width calibrated on every run rather than the top ones
 */
public record TopRunRule(double labelPercentile, double referencePercentile, double alpha, int consecutive,
                         List<Double> thresholds, String modelText, int calibrationRuns, Map<String, Double> labelCuts,
                         double guardLevel, double guardPercentile, List<Double> guardMargins) {
    /** The {@link #labelCuts} key of the cut over every zoo run. */
    public static final String ALL_STUDIES = "*";

    public TopRunRule {
        thresholds = List.copyOf(thresholds);
        guardMargins = guardMargins == null ? List.of() : List.copyOf(guardMargins);
        if (!guardMargins.isEmpty() && guardMargins.size() != thresholds.size()) {
            throw new IllegalArgumentException("guard margins per stage: " + guardMargins.size() + ", stages: " + thresholds.size());
        }
        labelCuts = labelCuts == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labelCuts)); // sorted: stable JSON
    }

    /** A rule without the regressor guard (the classifier alone decides). */
    public TopRunRule(double labelPercentile, double referencePercentile, double alpha, int consecutive,
                      List<Double> thresholds, String modelText, int calibrationRuns) {
        this(labelPercentile, referencePercentile, alpha, consecutive, thresholds, modelText, calibrationRuns, Map.of(), 0, 0, List.of());
    }

    /** The percentile the guard's cuts are at. */
    public double cutPercentile() {
        return guardPercentile > 0 ? guardPercentile : labelPercentile;
    }

    /** Whether the regressor's interval must agree before a checkpoint counts against its run. */
    public boolean guarded() {
        return guardLevel > 0 && !labelCuts.isEmpty();
    }

    /** Whether the guard's margins were calibrated on top runs ({@link #guardMargins}) rather than the interval's width. */
    public boolean marginGuard() {
        return guarded() && !guardMargins.isEmpty();
    }

    /**
     * Whether a checkpoint counts against its run (the scorer's early-stop policy and the benchmarks ask this): its
     * probability is below its stage's threshold and, for a guarded rule, what the guard compares is below its study's
     * label cut: {@code prediction} plus the stage's margin ({@link #marginGuard()}), else {@code upper} (the upper end of
     * its interval at {@link #guardLevel}). Null when it cannot be judged: no probability or step fraction, or a guarded
     * rule without what its guard compares or a cut.
     */
    public Boolean below(Double probability, Double stepFraction, Double upper, Double prediction, String study) {
        Double cut = guarded() ? labelCut(study) : null;
        Double guardValue = guarded() && stepFraction != null ? guardValue(stepFraction, upper, prediction) : null;
        if (probability == null || stepFraction == null || guarded() && (guardValue == null || cut == null)) {
            return null;
        }
        return probability < threshold(stepFraction) && (!guarded() || guardValue < cut);
    }

    /** What a guarded rule compares with the cut: prediction + the stage's margin, or the interval's upper end; null: unknown. */
    private Double guardValue(double stepFraction, Double upper, Double prediction) {
        if (!marginGuard()) {
            return upper;
        }
        return prediction == null || prediction.isNaN() ? null : Math.max(0, prediction) + guardMargins.get(stage(stepFraction));
    }

    /** As {@link #below(Double, Double, Double, Double, String)} for a rule whose guard reads no point prediction. */
    public Boolean below(Double probability, Double stepFraction, Double upper, String study) {
        return below(probability, stepFraction, upper, null, study);
    }

    /** The guard's margin at this fraction of training ({@link #guardMargins}), or NaN for an interval guard. */
    public double guardMargin(double stepFraction) {
        return guardMargins.isEmpty() ? Double.NaN : guardMargins.get(stage(stepFraction));
    }

    /** The label cut of {@code study}, else the one over every zoo run; null when the rule has neither. */
    public Double labelCut(String study) {
        Double cut = study == null ? null : labelCuts.get(study);
        return cut != null ? cut : labelCuts.get(ALL_STUDIES);
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
