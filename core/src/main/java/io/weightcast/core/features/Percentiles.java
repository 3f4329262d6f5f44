package io.weightcast.core.features;

/** Percentiles with numpy's default ("linear") method, including its two-sided lerp. */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * The {@code q}-th percentile (0..100) of an ascending-sorted array, bit-compatible with
     * {@code numpy.percentile(a, q)}: virtual index (n-1)·q/100, then numpy's {@code _lerp}, which
     * interpolates from the upper neighbour when the fraction is ≥ 0.5.
     */
    public static double ofSorted(double[] sorted, double q) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        double index = (n - 1) * (q / 100.0);
        int lo = (int) Math.floor(index);
        int hi = Math.min(lo + 1, n - 1);
        double t = index - lo;
        double a = sorted[lo];
        double b = sorted[hi];
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }
}
