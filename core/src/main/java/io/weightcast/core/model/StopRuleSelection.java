package io.weightcast.core.model;

import java.util.Random;

/**
 * Chooses the early-stop rule's share and guard on the zoo a fit has (issue 19: "the trainer chooses its configuration
 * on the zoo it has"; core {@link TopRunModel}). One fixed setting, calibrated on our digits zoo, kept every top-5% run
 * there and lost 7 of 50 on a zoo made by other code (eval/independent_zoo.py, 5 orders × 200 live runs, rank 1 and 2
 * among them, stopped at epoch 1): how early a top run can be told apart depends on the zoo.
 *
 * <p>Each candidate is a share (the thresholds stop at most that share of the calibration runs that finished in their
 * study's top quarter, {@link TopRunModel#thresholds(double[][], boolean[], double)}) and a guard (which checkpoints
 * may count against a run at all: the regressor's interval must end below a cut). It is replayed on seeded random
 * halvings of the calibration runs, whose scores and predictions come from models that never saw them: thresholds
 * from one half judge the other half epoch by epoch, as the scorer would. A candidate is safe when no halving stops a
 * top run; the safe candidate saving the most epochs is chosen, the most careful on a tie, and the most careful of all
 * when none is safe.
 */
public final class StopRuleSelection {
    /** The shares tried, most careful first; the benchmark's fixed rule used 0.25. */
    public static final double[] SHARES = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4};
    /** The checkpoints in a row a candidate must count against a run before it stops it, most careful first. */
    public static final int[] CONSECUTIVE = {2, 1};
    /** Random halvings of the calibration runs each candidate is replayed on. */
    public static final int SPLITS = 20;
    /**
     * Top runs a judged half must hold, on average over the halvings, for a verdict: with ~5 (a 200-run zoo) no stop was
     * shown to be safe that the fixed rule did not already make, and the choice, replayed on our digits zoo at H = 200,
     * saved 0.740 against the fixed rule's 0.764 (eval/results/early-stop-replay.md).
     */
    public static final int MIN_TOP_RUNS = 10;

    private StopRuleSelection() {
    }

    /**
     * The candidate chosen.
     *
     * @param guard        index into the guards given to {@link #choose}
     * @param consecutive  checkpoints in a row counted against a run before it is stopped
     * @param saved        mean share of the epochs the candidate saved on the halvings' judged runs
     * @param safe         whether no halving stopped a top run (false: nothing was safe, the most careful candidate)
     * @param candidates   candidates tried, and how many of them were safe
     */
    public record Choice(double share, int guard, int consecutive, double saved, boolean safe, int candidates, int safeCandidates) {
    }

    /** Whether the runs hold enough top runs for {@link #choose} to judge anything ({@link #MIN_TOP_RUNS} per half). */
    public static boolean judgeable(Runs runs) {
        return BinaryClassifier.positives(runs.top()) >= 2 * MIN_TOP_RUNS;
    }

    /**
     * The calibration runs as the choice sees them.
     *
     * @param score   [run][stage] the run's lowest top-run probability at that stage (NaN: no checkpoint there)
     * @param guarded [guard][run][stage] the lowest probability among the stage's checkpoints that guard lets count against the
     *                run (NaN: none), guards most careful first
     * @param good    the runs the thresholds are calibrated on (at or above their study's reference percentile)
     * @param top     the runs the rule must keep (at or above their study's top percentile)
     */
    public record Runs(double[][] score, double[][][] guarded, boolean[] good, boolean[] top) {
        int stages() {
            return score.length == 0 ? 0 : score[0].length;
        }
    }

    /**
     * The best safe candidate of the guards × {@code consecutive} × {@code shares} (each most careful first), over
     * {@code splits} halvings.
     */
    public static Choice choose(Runs runs, double[] shares, int[] consecutive, int splits, long seed) {
        int[][] halves = halvings(runs.score().length, splits, seed);
        int guards = runs.guarded().length;
        Choice best = null;
        int safe = 0;
        for (int g = 0; g < guards; g++) {
            for (int c : consecutive) {
                for (double share : shares) {
                    Double saved = replay(runs, g, share, c, halves);
                    if (saved != null) {
                        safe++;
                        if (best == null || saved > best.saved() + 1e-12) {
                            best = new Choice(share, g, c, saved, true, 0, 0);
                        }
                    }
                }
            }
        }
        int tried = guards * consecutive.length * shares.length;
        return best == null ? new Choice(shares[0], 0, consecutive[0], Double.NaN, false, tried, 0)
                : new Choice(best.share(), best.guard(), best.consecutive(), best.saved(), true, tried, safe);
    }

    private static int[][] halvings(int runs, int splits, long seed) {
        Random random = new Random(seed);
        int[][] halves = new int[splits][];
        for (int s = 0; s < splits; s++) {
            halves[s] = random.ints(runs, 0, 2).toArray();
        }
        return halves;
    }

    /** Mean share of epochs saved over the halvings' judged runs, or null when some halving stops a top run. */
    private static Double replay(Runs runs, int guard, double share, int consecutive, int[][] halves) {
        int stages = runs.stages();
        double saved = 0;
        long judged = 0;
        for (int[] half : halves) {
            for (int side = 0; side < 2; side++) {
                boolean[] calibrating = new boolean[runs.good().length];
                for (int r = 0; r < calibrating.length; r++) {
                    calibrating[r] = runs.good()[r] && half[r] == side;
                }
                if (BinaryClassifier.positives(calibrating) < TopRunModel.MIN_CALIBRATION_RUNS) {
                    return null; // a half too small to calibrate on shows nothing: no candidate is shown safe
                }
                double[] thr = TopRunModel.thresholds(runs.score(), calibrating, share);
                for (int r = 0; r < calibrating.length; r++) {
                    if (half[r] == side) {
                        continue;
                    }
                    int stop = stopStage(runs.guarded()[guard][r], thr, consecutive);
                    if (stop >= 0 && runs.top()[r]) {
                        return null;
                    }
                    saved += stop < 0 ? 0 : (double) (stages - 1 - stop) / stages;
                    judged++;
                }
            }
        }
        return judged == 0 ? null : saved / judged;
    }

    /** The stage ending the first run of {@code consecutive} stages whose counted probability is below its threshold, or −1. */
    private static int stopStage(double[] counted, double[] thr, int consecutive) {
        int streak = 0;
        for (int s = 0; s < counted.length; s++) {
            streak = Double.isFinite(counted[s]) && counted[s] < thr[s] ? streak + 1 : 0;
            if (streak >= consecutive) {
                return s;
            }
        }
        return -1;
    }
}
