package io.weightcast.bench;

/**
 * WeightWatcher's xmin scan as it is written ({@code WWFit.fit_power_law}): every candidate, every
 * term, in plain Java. The baseline the pruned {@code PowerLawFit} is measured against at equal numbers.
 */
public final class QuadraticFit {
    private QuadraticFit() {
    }

    /** @return {alpha, xmin, D} of the first candidate with the smallest D */
    public static double[] fit(double[] ascending, double threshold) {
        int first = 0;
        while (first < ascending.length && !(ascending[first] > threshold)) {
            first++;
        }
        int count = ascending.length - first;
        double[] logs = new double[count];
        for (int j = 0; j < count; j++) {
            logs[j] = Math.log(ascending[first + j]);
        }
        double bestD = Double.POSITIVE_INFINITY;
        double bestAlpha = Double.NaN;
        double bestXmin = Double.NaN;
        for (int i = 0; i < count - 1; i++) {
            double n = count - i;
            double sum = 0;
            for (int j = i; j < count; j++) {
                sum += logs[j];
            }
            double alpha = 1 + n / (sum - n * logs[i]);
            double d = 1;
            if (alpha > 1) {
                d = 0;
                double xmin = ascending[first + i];
                for (int k = 0; k < n; k++) {
                    d = Math.max(d, Math.abs(1 - Math.pow(ascending[first + i + k] / xmin, 1 - alpha) - k / n));
                }
            }
            if (d < bestD) {
                bestD = d;
                bestAlpha = alpha;
                bestXmin = ascending[first + i];
            }
        }
        return new double[] {bestAlpha, bestXmin, bestD};
    }
}
