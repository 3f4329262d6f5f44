package io.weightcast.core.features;

/**
 * numpy's pairwise summation order for float64 ({@code np.sum}: blocks of 8 accumulators below 128
 * elements), so sums taken here round as numpy's do: the statistics' means, and the spectral sums
 * WeightWatcher takes with numpy (Σλ, Σ ln λ over a tail, Σλ^α).
 *
 * <p>numpy applies the pairwise sum to its reduction buffer, 8192 elements at a time, and adds those
 * partial sums one after another to 0.0 ({@link #numpy}); {@link #sum} is one pairwise sum over the
 * whole array, which equals numpy's up to 8192 elements and differs by rounding beyond.
 */
public final class PairwiseSum {
    private static final int BLOCK = 128;
    /** numpy's reduction buffer ({@code np.getbufsize()}, 8192 elements). */
    static final int NUMPY_BUFFER = 8192;

    private PairwiseSum() {
    }

    public static double sum(double[] a) {
        return sum(a, 0, a.length);
    }

    /** {@code np.sum} of {@code n} float64 values from {@code from}, bit for bit (pairwise per 8192-element buffer). */
    public static double numpy(double[] a, int from, int n) {
        double total = 0.0;
        for (int at = 0; at < n; at += NUMPY_BUFFER) {
            total += sum(a, from + at, Math.min(NUMPY_BUFFER, n - at));
        }
        return total;
    }

    public static double sum(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            double r0 = a[from], r1 = a[from + 1], r2 = a[from + 2], r3 = a[from + 3];
            double r4 = a[from + 4], r5 = a[from + 5], r6 = a[from + 6], r7 = a[from + 7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                r0 += a[from + i];
                r1 += a[from + i + 1];
                r2 += a[from + i + 2];
                r3 += a[from + i + 3];
                r4 += a[from + i + 4];
                r5 += a[from + i + 5];
                r6 += a[from + i + 6];
                r7 += a[from + i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return sum(a, from, n2) + sum(a, from + n2, n - n2);
    }
}
