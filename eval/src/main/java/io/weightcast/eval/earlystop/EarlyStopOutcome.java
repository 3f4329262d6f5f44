package io.weightcast.eval.earlystop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an early-stopping setting did over the replayed arrival orders (issue 6 §4), from each run's
 * stop epoch (the epoch after which it was stopped; {@code epochs} when it trained to the end, which
 * counts as kept, also when a rule fired only after the last epoch).
 *
 * @param computeSaved fraction of all planned epochs not trained, mean over orders
 * @param top5Kept     share of the true top-5% runs (by final test accuracy) not stopped, mean over orders
 * @param top5KeptMin  the same, worst order
 * @param top1Kept     fraction of orders in which a run with the best final accuracy was kept
 * @param regret       best final accuracy minus the best among kept runs, mean over orders
 * @param regretMax    the same, worst order
 * @param top5ClearKeptMin worst order's share kept of the "clear" top-5% runs: those finishing at least one standard
 *                     error of a test-set accuracy above the top-5% cut c, sqrt(c(1−c)/n) with n the test images
 *                     ({@link #testImages}). Whether a run within that band of the cut is a top-5% run is decided by
 *                     which images the test split holds, not by the run (on the digits zoo n = 360: 0.013). NaN
 *                     without such runs or when n is unknown
 * @param top5ClearRuns how many clear top-5% runs there are
 */
public record EarlyStopOutcome(double computeSaved, double top5Kept, double top5KeptMin, double top1Kept, double regret,
                               double regretMax, double top5ClearKeptMin, int top5ClearRuns) {
    /** The top-5% share: ceil(5% of the runs), ties at the cut included. */
    public static final double TOP_FRACTION = 0.05;

    /** An outcome without the clear-top-run measure. */
    public EarlyStopOutcome(double computeSaved, double top5Kept, double top5KeptMin, double top1Kept, double regret,
                            double regretMax) {
        this(computeSaved, top5Kept, top5KeptMin, top1Kept, regret, regretMax, Double.NaN, 0);
    }

    /** @param stops per order, per run (indexed like {@code finals}) its stop epoch */
    public static EarlyStopOutcome of(double[] finals, int epochs, List<int[]> stops) {
        boolean[] top5 = top(finals, TOP_FRACTION);
        boolean[] clear = clear(finals, top5);
        int clearRuns = 0;
        for (boolean c : clear) {
            clearRuns += c ? 1 : 0;
        }
        double clearMin = clearRuns == 0 ? Double.NaN : 1;
        double best = max(finals);
        double saved = 0;
        double kept5 = 0;
        double kept5Min = 1;
        double kept1 = 0;
        double regret = 0;
        double regretMax = 0;
        for (int[] s : stops) {
            long trained = 0;
            int inTop = 0;
            int keptTop = 0;
            int keptClear = 0;
            double bestKept = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < finals.length; r++) {
                trained += s[r];
                boolean kept = s[r] >= epochs;
                if (top5[r]) {
                    inTop++;
                    keptTop += kept ? 1 : 0;
                    keptClear += kept && clear[r] ? 1 : 0;
                }
                if (kept) {
                    bestKept = Math.max(bestKept, finals[r]);
                }
            }
            double share = inTop == 0 ? 1 : (double) keptTop / inTop;
            // with no run kept, nothing was found: the regret is the whole best accuracy
            double reg = bestKept == Double.NEGATIVE_INFINITY ? best : best - bestKept;
            saved += 1 - (double) trained / ((long) finals.length * epochs);
            kept5 += share;
            kept5Min = Math.min(kept5Min, share);
            if (clearRuns > 0) {
                clearMin = Math.min(clearMin, (double) keptClear / clearRuns);
            }
            kept1 += reg <= 0 ? 1 : 0;
            regret += reg;
            regretMax = Math.max(regretMax, reg);
        }
        int n = stops.size();
        return new EarlyStopOutcome(saved / n, kept5 / n, kept5Min, kept1 / n, regret / n, regretMax, clearMin, clearRuns);
    }

    /** The top runs at least one test-set standard error above the cut; none when the test size is unknown. */
    static boolean[] clear(double[] finals, boolean[] top) {
        boolean[] out = new boolean[finals.length];
        double n = testImages(finals);
        if (Double.isNaN(n)) {
            return out;
        }
        double cut = Double.POSITIVE_INFINITY;
        for (int r = 0; r < finals.length; r++) {
            cut = top[r] ? Math.min(cut, finals[r]) : cut;
        }
        double se = io.weightcast.core.model.TestSetNoise.standardError(cut, n);
        for (int r = 0; r < finals.length; r++) {
            out[r] = top[r] && finals[r] >= cut + se - 1e-9;
        }
        return out;
    }

    /** The test images behind these accuracies (core {@link io.weightcast.core.model.TestSetNoise#images}). */
    static double testImages(double[] finals) {
        return io.weightcast.core.model.TestSetNoise.images(finals);
    }

    /** Runs whose final accuracy is at least the ceil(fraction·n)-th highest. */
    public static boolean[] top(double[] finals, double fraction) {
        int n = finals.length;
        int count = Math.max(1, (int) Math.ceil(fraction * n - 1e-9));
        double[] sorted = finals.clone();
        java.util.Arrays.sort(sorted);
        double cut = sorted[n - count];
        boolean[] top = new boolean[n];
        for (int i = 0; i < n; i++) {
            top[i] = finals[i] >= cut;
        }
        return top;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    /** Keeps every top-5% run in every order (hence the top-1 too). */
    public boolean keepsAllTop() {
        return top5KeptMin >= 1.0;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compute_saved", computeSaved);
        m.put("top5_kept", top5Kept);
        m.put("top5_kept_min", top5KeptMin);
        m.put("top1_kept", top1Kept);
        m.put("regret", regret);
        m.put("regret_max", regretMax);
        m.put("top5_clear_kept_min", top5ClearKeptMin);
        m.put("top5_clear_runs", top5ClearRuns);
        return m;
    }
}
