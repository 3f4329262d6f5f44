package io.weightcast.trainer;

import io.weightcast.core.model.StopRuleSelection;
import io.weightcast.core.model.TopRunModel;
import java.util.Arrays;
import java.util.List;

/**
 * What a fit depends on besides the data: the split and LightGBM's randomness and effort.
 *
 * @param ablateSpectra  also fit without the spectral features, on the same split, and report what
 *                       they are worth ({@link FitResult#ablations()}); doubles the fit time. Off in
 *                       {@link #defaults()} (tests); on in the service ({@code trainer.ablation.spectra})
 * @param conformalFolds the training runs' out-of-fold residuals from this many folds (by run) calibrate the
 *                       intervals beside the held-out runs' (cross-conformal; {@link AccuracyModelFitter});
 *                       below 2, the held-out runs alone (split-conformal). Costs that many extra fits
 * @param guardLevel     the fixed early-stop rule's guard (one {@code stopShares}): the level of the interval whose upper end
 *                       must be below the study's label cut too before a checkpoint counts against its run (core
 *                       {@code TopRunRule#guardLevel}); 0: the classifier alone decides
 * @param booster        LightGBM's configuration for the regressor; {@link BoosterConfig#standard} with {@code numIterations}
 *                       rounds unless set otherwise
 * @param stopShares     the shares of top-quarter runs the early-stop rule may let its thresholds stop, most careful first;
 *                       several: each fit whose calibration runs hold enough top runs chooses the share and the guard
 *                       on them (core {@code StopRuleSelection}, {@link TopRunCalibrator}), a smaller one uses the fixed
 *                       rule; one: that share with the guard at {@code guardLevel}, fixed
 * @param guardOnTopRuns the fixed rule's guard margins are calibrated on the runs that finished at or above the cut
 *                       (core {@code TopRunRule#guardMargins}) rather than being the interval's half-width
 * @param consecutive    the fixed rule's stages of training in a row counted against a run before it is stopped (core
 *                       {@code TopRunRule#consecutive}); a chosen rule chooses it too
 */
public record FitParams(double holdoutFraction, int seed, int numThreads, int numIterations, boolean ablateSpectra,
                        int conformalFolds, double guardLevel, BoosterConfig booster, List<Double> stopShares,
                        boolean guardOnTopRuns, int consecutive) {
    /**
     * Four times the calibration runs of the held-out quarter alone, so the per-stage intervals scores carry
     * cover closer to their level at every epoch and wander less from zoo to zoo (docs/design-notes.md, "Trainer").
     */
    public static final int DEFAULT_CONFORMAL_FOLDS = 5;

    public FitParams {
        stopShares = List.copyOf(stopShares);
        if (consecutive < 1) {
            throw new IllegalArgumentException("consecutive must be at least 1: " + consecutive);
        }
        if (stopShares.isEmpty()) {
            throw new IllegalArgumentException("at least one early-stop share");
        }
    }

    public FitParams(double holdoutFraction, int seed, int numThreads, int numIterations, boolean ablateSpectra,
                     int conformalFolds, double guardLevel) {
        this(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel,
                BoosterConfig.standard(numIterations), Arrays.stream(StopRuleSelection.SHARES).boxed().toList(),
                TopRunModel.GUARD_ON_TOP_RUNS, TopRunModel.CONSECUTIVE);
    }

    public FitParams(double holdoutFraction, int seed, int numThreads, int numIterations, boolean ablateSpectra,
                     int conformalFolds) {
        this(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, TopRunModel.GUARD_LEVEL);
    }

    public FitParams(double holdoutFraction, int seed, int numThreads, int numIterations, boolean ablateSpectra) {
        this(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, DEFAULT_CONFORMAL_FOLDS);
    }

    public FitParams(double holdoutFraction, int seed, int numThreads, int numIterations) {
        this(holdoutFraction, seed, numThreads, numIterations, false);
    }

    public static FitParams defaults() {
        return new FitParams(0.25, 42, 1, 200, false);
    }

    /** The same with another number of conformal folds. */
    public FitParams withConformalFolds(int folds) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, folds, guardLevel, booster, stopShares, guardOnTopRuns, consecutive);
    }

    /** The same with another early-stop guard level (0: none). */
    public FitParams withGuardLevel(double level) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, level, booster, stopShares, guardOnTopRuns, consecutive);
    }

    /** The same with other early-stop shares to choose from (one: fixed). */
    public FitParams withStopShares(List<Double> shares) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel, booster, shares, guardOnTopRuns, consecutive);
    }

    /** The same with the fixed rule's guard calibrated on top runs ({@code true}) or every run's interval. */
    public FitParams withGuardOnTopRuns(boolean onTopRuns) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel, booster, stopShares, onTopRuns, consecutive);
    }

    /** The same with the fixed rule stopping a run after {@code n} checkpoints in a row counted against it. */
    public FitParams withConsecutive(int n) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel, booster, stopShares,
                guardOnTopRuns, n);
    }

    /** The same with another LightGBM configuration for the regressor. */
    public FitParams withBooster(BoosterConfig config) {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel, config, stopShares, guardOnTopRuns, consecutive);
    }
}
