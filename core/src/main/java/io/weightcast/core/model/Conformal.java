package io.weightcast.core.model;

import java.util.Arrays;

/**
 * Split-conformal half-widths: with n calibration residuals, the level-p interval is pred ± q where
 * q is the ⌈(n+1)·p⌉-th smallest |residual|, the finite-sample quantile that makes the coverage of
 * an exchangeable new run at least p. Infinite when n is too small for the level.
 *
 * <p>Half-widths are per stage of training (epoch, or share of the planned steps): a prediction
 * from epoch 1 errs three times as much as one from the last epoch on the digits zoo, so one
 * half-width for every stage over-covers late checkpoints and under-covers early ones. Used by the
 * trainer (the intervals the scorer publishes) and the benchmark (what it measures).
 */
public final class Conformal {
    private Conformal() {
    }

    public static double quantile(double[] absResiduals, double level) {
        int n = absResiduals.length;
        int rank = (int) Math.ceil((n + 1) * level - 1e-9);
        if (n == 0 || rank > n) {
            return Double.POSITIVE_INFINITY;
        }
        double[] s = absResiduals.clone();
        Arrays.sort(s);
        return s[Math.max(1, rank) - 1];
    }

    /** Half-width per epoch (index epoch-1) from calibration rows: targets, predictions and epochs (1-based). */
    public static double[] perEpoch(double[] y, double[] pred, int[] epoch, int epochs, double level) {
        double[] abs = new double[y.length];
        int[] stage = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            abs[i] = Math.abs(y[i] - pred[i]);
            stage[i] = epoch[i] - 1;
        }
        return byStage(abs, stage, epochs, level);
    }

    /**
     * Half-width per stage (0-based {@code stage[i]} of row i, out-of-range rows ignored) from the
     * rows' absolute residuals; infinite where a stage has too few rows for the level. Any score
     * works: with cut − prediction of runs that finished at or above the cut, a new such run scores
     * above the result with probability at most 1 − level (the early-stop guard on top runs).
     */
    public static double[] byStage(double[] absResiduals, int[] stage, int stages, double level) {
        int[] n = new int[stages];
        for (int s : stage) {
            if (s >= 0 && s < stages) {
                n[s]++;
            }
        }
        double[][] res = new double[stages][];
        for (int s = 0; s < stages; s++) {
            res[s] = new double[n[s]];
        }
        int[] k = new int[stages];
        for (int i = 0; i < absResiduals.length; i++) {
            int s = stage[i];
            if (s >= 0 && s < stages) {
                res[s][k[s]++] = absResiduals[i];
            }
        }
        double[] q = new double[stages];
        for (int s = 0; s < stages; s++) {
            q[s] = quantile(res[s], level);
        }
        return q;
    }

    public static double lower(double pred, double q) {
        return Math.max(0.0, pred - q);
    }

    public static double upper(double pred, double q) {
        return Math.min(1.0, pred + q);
    }
}
