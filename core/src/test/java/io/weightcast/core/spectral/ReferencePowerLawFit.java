package io.weightcast.core.spectral;

import io.weightcast.core.features.PairwiseSum;
import java.util.Arrays;

/**
 * A line-by-line port of WeightWatcher's {@code WWFit.fit_power_law} loop (quadratic: every
 * candidate, every term), with numpy's summation order, to cross-check {@link PowerLawFit}.
 */
final class ReferencePowerLawFit {
    private ReferencePowerLawFit() {
    }

    static PowerLawFit fit(double[] ascending, double threshold) {
        return scan(ascending, threshold).fit;
    }

    /** WeightWatcher's Ds array: the KS distance of every xmin candidate. */
    static double[] distances(double[] ascending, double threshold) {
        return scan(ascending, threshold).ds;
    }

    private record Result(PowerLawFit fit, double[] ds) {
    }

    private static Result scan(double[] ascending, double threshold) {
        double[] data = Arrays.stream(ascending).filter(v -> v > threshold).toArray();
        int count = data.length;
        double[] logData = Arrays.stream(data).map(Math::log).toArray();
        double[] alphas = new double[count - 1];
        double[] ds = new double[count - 1];
        Arrays.fill(ds, 1.0);
        for (int i = 0; i < count - 1; i++) {
            double xmin = data[i];
            double n = count - i;
            double alpha = 1 + n / (PairwiseSum.sum(logData, i, count - i) - n * logData[i]);
            alphas[i] = alpha;
            if (alpha > 1) {
                double max = 0;
                for (int k = 0; k < n; k++) {
                    double ratio = data[i + k] / xmin;
                    double theoretical = ratio == 1.0 ? 1.0 : Math.pow(ratio, -alpha + 1);
                    max = Math.max(max, Math.abs(1 - theoretical - k / n));
                }
                ds[i] = max;
            }
        }
        int best = 0;
        for (int i = 1; i < ds.length; i++) {
            if (ds[i] < ds[best]) {
                best = i;
            }
        }
        int n = count - best;
        double xmin = data[best];
        int spikes = (int) Arrays.stream(ascending).filter(v -> v >= xmin).count();
        return new Result(new PowerLawFit(alphas[best], xmin, data[count - 1], ds[best], (alphas[best] - 1) / Math.sqrt(n), spikes, n), ds);
    }
}
