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
        int lo = lowerRank(n, q);
        return interpolate(sorted[lo], sorted[Math.min(lo + 1, n - 1)], n, q);
    }

    /** The rank (0-based, ascending) below the {@code q}-th percentile's virtual index (n-1)·q/100 of n values. */
    static int lowerRank(int n, double q) {
        return (int) Math.floor((n - 1) * (q / 100.0));
    }

    /**
     * The {@code q}-th percentile of n values from the values at {@link #lowerRank} ({@code a}) and the rank
     * after it, or the same rank at the top ({@code b}): numpy's {@code _lerp}.
     */
    static double interpolate(double a, double b, int n, double q) {
        double index = (n - 1) * (q / 100.0);
        double t = index - Math.floor(index);
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }
}
