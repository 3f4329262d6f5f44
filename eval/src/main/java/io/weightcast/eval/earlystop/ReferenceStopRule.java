package io.weightcast.eval.earlystop;

import io.weightcast.core.model.RegressionMetrics;

/**
 * A stopping rule replayed over runs that arrive one after another (each trains to its end or its
 * stop before the next starts, as in the Optuna replay): at epoch e a run scores {@code score[run][e]}
 * and is below when that is under the study's reference at e; it stops after {@code k} consecutive
 * below-reference epochs counted from epoch {@code from}. The reference is the {@code percentile} of
 * the runs FINISHED so far in this order ({@code finishedValue}), or of the training runs
 * ({@code trainingValues}) while fewer than {@code minFinished} have finished.
 *
 * <p>Weightcast's policy (design §6): score = the upper end of the run's interval, finished value =
 * final accuracy. The curve-only rule: score = val_acc at e, finished value = their val_acc at e.
 */
public final class ReferenceStopRule {
    private final double[][] score;
    private final double[][] finishedValue;
    private final double[][] trainingValues;
    private final double percentile;
    private final int k;
    private final int from;
    private final int minFinished;

    /**
     * @param score          [run][epoch-1] what is compared with the reference (NaN is always below)
     * @param finishedValue  [run][epoch-1] what a finished run contributes to the reference at epoch e
     * @param trainingValues [epoch-1][] the training runs' values: the reference before enough finished
     */
    public ReferenceStopRule(double[][] score, double[][] finishedValue, double[][] trainingValues, double percentile,
                             int k, int from, int minFinished) {
        this.score = score;
        this.finishedValue = finishedValue;
        this.trainingValues = trainingValues;
        this.percentile = percentile;
        this.k = k;
        this.from = from;
        this.minFinished = minFinished;
    }

    /** Stop epoch of every run (indexed like {@code score}) when they arrive in {@code order}. */
    public int[] replay(int[] order) {
        int epochs = score[0].length;
        int[] stops = new int[score.length];
        java.util.Arrays.fill(stops, epochs);
        // finished runs' values per epoch, kept sorted (finite only), so each reference is O(1)
        double[][] sorted = new double[epochs][order.length];
        int[] counts = new int[epochs];
        int finished = 0;
        double[] trainingReference = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            trainingReference[e] = quantile(trainingValues[e], percentile);
        }
        for (int run : order) {
            int streak = 0;
            int stop = epochs;
            for (int e = 1; e <= epochs; e++) {
                double reference = finished >= minFinished ? sortedQuantile(sorted[e - 1], counts[e - 1], percentile)
                        : trainingReference[e - 1];
                double s = score[run][e - 1];
                boolean below = e >= from && (Double.isNaN(s) || s < reference);
                streak = below ? streak + 1 : 0;
                if (streak >= k) {
                    stop = e;
                    break;
                }
            }
            stops[run] = stop;
            if (stop >= epochs) {
                finished++;
                for (int e = 0; e < epochs; e++) {
                    counts[e] = insert(sorted[e], counts[e], finishedValue[run][e]);
                }
            }
        }
        return stops;
    }

    private static int insert(double[] sorted, int count, double v) {
        if (!Double.isFinite(v)) {
            return count;
        }
        int i = java.util.Arrays.binarySearch(sorted, 0, count, v);
        int at = i >= 0 ? i : -i - 1;
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = v;
        return count + 1;
    }

    /** numpy-linear quantile of the first {@code count} (sorted) values; -inf when there is none. */
    static double sortedQuantile(double[] sorted, int count, double q) {
        if (count == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        double pos = q * (count - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(count - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** numpy-linear quantile over the finite values; -inf (nothing is below) when there is none. */
    static double quantile(double[] values, double q) {
        double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
        return finite.length == 0 ? Double.NEGATIVE_INFINITY : RegressionMetrics.quantile(finite, q);
    }
}
