package io.weightcast.core.features;

import java.util.List;
import java.util.Map;

/**
 * Features of a run's reported learning curve up to a checkpoint (issue 6: "+ reported learning
 * curve"): what the history of {@code val_acc}/{@code val_loss}/{@code train_acc} says beyond the
 * current epoch's values, which {@link FeatureLayout#METRIC_FEATURES} already carry. NaN where the
 * history is too short or a metric was not reported (LightGBM treats NaN as missing).
 *
 * <p>A section of {@link FeatureLayout} (since layout v3): the streams service keeps each
 * run's reported {@link #INPUTS} per step to compute them live, the benchmark from the zoo's history.
 */
public final class LearningCurveFeatures {
    /** Window of the slopes and the recent mean, in epochs. */
    public static final int WINDOW = 3;
    /** The reported metrics these features read (what a live history has to keep per step). */
    public static final List<String> INPUTS = List.of("val_acc", "val_loss", "train_acc");

    public static final List<String> NAMES = List.of(
            "curve_val_acc_best", "curve_val_acc_prev1", "curve_val_acc_prev2", "curve_val_acc_delta1",
            "curve_val_acc_slope3", "curve_val_acc_mean3", "curve_val_loss_min", "curve_val_loss_slope3",
            "curve_train_acc_slope3", "curve_train_val_acc_gap");

    private LearningCurveFeatures() {
    }

    public static int size() {
        return NAMES.size();
    }

    /**
     * @param history the reported metrics per checkpoint, oldest first, the last entry being the
     *                checkpoint the features are for (its step); null or missing metrics are NaN
     * @return {@link #NAMES}-ordered values
     */
    public static double[] of(List<Map<String, Double>> history) {
        double[] valAcc = series(history, "val_acc");
        double[] valLoss = series(history, "val_loss");
        double[] trainAcc = series(history, "train_acc");
        int n = valAcc.length;
        return new double[] {
                best(valAcc, true),
                at(valAcc, n - 2),
                at(valAcc, n - 3),
                at(valAcc, n - 1) - at(valAcc, n - 2),
                slope(valAcc, WINDOW),
                mean(valAcc, WINDOW),
                best(valLoss, false),
                slope(valLoss, WINDOW),
                slope(trainAcc, WINDOW),
                at(trainAcc, n - 1) - at(valAcc, n - 1)};
    }

    static double[] series(List<Map<String, Double>> history, String metric) {
        if (history == null) {
            return new double[0];
        }
        double[] out = new double[history.size()];
        for (int i = 0; i < out.length; i++) {
            Map<String, Double> m = history.get(i);
            Double v = m == null ? null : m.get(metric);
            out[i] = v == null || !Double.isFinite(v) ? Double.NaN : v;
        }
        return out;
    }

    private static double at(double[] s, int i) {
        return i >= 0 && i < s.length ? s[i] : Double.NaN;
    }

    /** Max (or min) over the finite values; NaN when there is none. */
    private static double best(double[] s, boolean max) {
        double out = Double.NaN;
        for (double v : s) {
            if (Double.isFinite(v) && (Double.isNaN(out) || (max ? v > out : v < out))) {
                out = v;
            }
        }
        return out;
    }

    /** Mean of the last {@code window} values; NaN unless all of them are finite. */
    private static double mean(double[] s, int window) {
        if (s.length < window) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = s.length - window; i < s.length; i++) {
            sum += s[i];
        }
        return sum / window;
    }

    /** Least-squares slope per epoch over the last {@code window} values; NaN unless all are finite. */
    private static double slope(double[] s, int window) {
        if (s.length < window) {
            return Double.NaN;
        }
        double meanX = (window - 1) / 2.0;
        double meanY = mean(s, window);
        double num = 0;
        double den = 0;
        for (int k = 0; k < window; k++) {
            double dx = k - meanX;
            num += dx * (s[s.length - window + k] - meanY);
            den += dx * dx;
        }
        return num / den;
    }
}
