package io.weightcast.core.features;

import io.weightcast.core.safetensors.FloatView;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * {@link TensorSummary} of float32 values in two passes over one {@link FloatView}, with no copy of the tensor:
 * F32 is read in place, F16/BF16/FP8 widened 128 elements at a time into the block being summed; a tensor holding
 * NaN or ±Inf is summarised through a view of its finite elements ({@link FiniteView}, read in order, no copy).
 *
 * <p>Pass 1 takes the sums of x, |x| and x² in numpy's order ({@link PairwiseSum#numpy}: pairwise within
 * 8192-element buffers) and histograms the elements by the top bits of their raw bits (buckets whose value
 * order is known, {@link #bucketInOrder}); a non-finite sum means non-finite elements (finite floats cannot overflow a float64 sum). Pass 2
 * takes the sum of squared deviations for the std, in the same order, and copies out the elements of the
 * few histogram buckets that hold the order statistics the percentiles need (ranks 0, n-1 and both
 * neighbours of each quartile's virtual index); those candidates alone are sorted. Every number
 * therefore equals numpy's bit for bit (see {@link TensorSummary}): the same sums in the same order,
 * the same order statistics (-0.0 before +0.0, as {@link Arrays#sort(double[])} orders them) and the
 * same interpolation ({@link Percentiles}).
 *
 * <p>When every value is fixed by its top 16 bits (BF16, FP8: {@link FloatView#exactIn16Bits}) and the histogram
 * has 16 bits (tensors of 32,768 elements or more), each bucket holds one value: the order statistics are read from
 * the histogram and pass 2 only sums.
 */
final class FloatStatistics {
    private static final int BLOCK = 128;
    private static final int MAX_BITS = 16;

    private final FloatView v;
    private final int shift;
    /** One value per bucket (see the class comment): no candidates to collect. */
    private final boolean exact;
    private final int[] histogram;
    /** The leaf being summed, copied out of the view (a bulk copy, then loops the JIT compiles well). */
    private final float[] block = new float[BLOCK];
    private boolean[] wanted;
    private float[] candidates;
    private int taken;
    private double mean;
    /** The last {@link #firstPass}'s sums of x, |x| and x², and {@link #secondPass}'s of (x - mean)² in {@code sum}. */
    private double sum;
    private double abs;
    private double squares;

    private FloatStatistics(FloatView v) {
        this.v = v;
        int n = v.size();
        int bits = Math.max(1, Math.min(MAX_BITS, 32 - Integer.numberOfLeadingZeros(n)));
        this.shift = 32 - bits;
        this.histogram = new int[1 << bits];
        this.exact = bits == 16 && v.exactIn16Bits();
    }

    /** The summary of every element of {@code values} from index 0 to its limit. */
    static TensorSummary of(FloatBuffer values) {
        return of(FloatView.of(values));
    }

    /** The summary of every element of the view. */
    static TensorSummary of(FloatView v) {
        int n = v.size();
        if (n == 0) {
            return TensorSummary.EMPTY;
        }
        FloatStatistics s = new FloatStatistics(v);
        double sum = 0.0;
        double l1 = 0.0;
        double l2sq = 0.0;
        for (int at = 0; at < n; at += PairwiseSum.NUMPY_BUFFER) {
            s.firstPass(at, Math.min(PairwiseSum.NUMPY_BUFFER, n - at));
            sum += s.sum;
            l1 += s.abs;
            l2sq += s.squares;
        }
        // A sum of finite floats in float64 cannot overflow, so a non-finite sum means a non-finite element.
        int bad = Double.isFinite(sum) ? 0 : countNonfinite(v, n);
        if (bad > 0) {
            // rare: summarise a copy of the finite values, whose sums numpy takes in their own buffers
            TensorSummary f = bad == n ? TensorSummary.EMPTY : of(new FiniteView(v, n - bad));
            return new TensorSummary(f.mean(), f.std(), f.p0(), f.p25(), f.p50(), f.p75(), f.p100(), f.l1(), f.l2(), f.count(), bad);
        }
        s.mean = sum / n;
        int[] ranks = ranks(n);
        s.selectBuckets(ranks);
        double squares = 0.0;
        for (int at = 0; at < n; at += PairwiseSum.NUMPY_BUFFER) {
            s.secondPass(at, Math.min(PairwiseSum.NUMPY_BUFFER, n - at));
            squares += s.sum;
        }
        float[] sorted = s.candidates;
        Arrays.sort(sorted, 0, s.taken);
        double[] q = s.quantiles(ranks, n);
        return new TensorSummary(s.mean, Math.sqrt(squares / n), q[0], q[1], q[2], q[3], q[4], l1, Math.sqrt(l2sq), n, 0);
    }

    /** NaN and ±Inf elements of the view. */
    static int countNonfinite(FloatView v, int n) {
        float[] chunk = new float[PairwiseSum.NUMPY_BUFFER];
        int bad = 0;
        for (int at = 0; at < n; at += chunk.length) {
            int m = Math.min(chunk.length, n - at);
            v.get(at, chunk, 0, m);
            for (int i = 0; i < m; i++) {
                bad += Float.isFinite(chunk[i]) ? 0 : 1;
            }
        }
        return bad;
    }

    /** Order statistics needed, in this order: min, then lo and hi of the 25th, 50th and 75th percentiles, then max. */
    private static int[] ranks(int n) {
        int[] r = new int[8];
        r[0] = 0;
        for (int q = 1; q <= 3; q++) {
            int lo = Percentiles.lowerRank(n, 25.0 * q);
            r[2 * q - 1] = lo;
            r[2 * q] = Math.min(lo + 1, n - 1);
        }
        r[7] = n - 1;
        return r;
    }

    /**
     * The bucket at place {@code k} in value order. Buckets are the top bits of the raw float bits: the
     * non-negative floats ascend with them, the negative ones (sign bit set) descend, and -0.0 sits just
     * below +0.0; so value order is the negative buckets from the top down, then the others from 0 up.
     */
    private int bucketInOrder(int k) {
        int half = histogram.length >>> 1;
        return k < half ? histogram.length - 1 - k : k - half;
    }

    /** numpy's pairwise recursion ({@link PairwiseSum#sum}) for three sums at once, left in the fields. */
    private void firstPass(int from, int n) {
        if (n <= BLOCK) {
            firstLeaf(from, n);
            return;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        firstPass(from, n2);
        double s = sum;
        double a = abs;
        double q = squares;
        firstPass(from + n2, n - n2);
        sum = s + sum;
        abs = a + abs;
        squares = q + squares;
    }

    /**
     * One block of at most 128, as numpy sums it (8 lanes started by the first 8 elements, then the
     * remainder in order): x, |x| and x² at once; and the histogram.
     */
    private void firstLeaf(int from, int n) {
        float[] a = block;
        v.get(from, a, 0, n);
        int[] hist = histogram;
        int sh = shift;
        double res = 0.0;
        double ab = 0.0;
        double sq = 0.0;
        int i = 0;
        if (n >= 8) {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            double a0 = Math.abs(r0), a1 = Math.abs(r1), a2 = Math.abs(r2), a3 = Math.abs(r3);
            double a4 = Math.abs(r4), a5 = Math.abs(r5), a6 = Math.abs(r6), a7 = Math.abs(r7);
            double q0 = r0 * r0, q1 = r1 * r1, q2 = r2 * r2, q3 = r3 * r3, q4 = r4 * r4, q5 = r5 * r5, q6 = r6 * r6, q7 = r7 * r7;
            for (int j = 0; j < 8; j++) {
                hist[Float.floatToRawIntBits(a[j]) >>> sh]++;
            }
            int groups = n - n % 8;
            for (i = 8; i < groups; i += 8) {
                float f0 = a[i], f1 = a[i + 1], f2 = a[i + 2], f3 = a[i + 3];
                float f4 = a[i + 4], f5 = a[i + 5], f6 = a[i + 6], f7 = a[i + 7];
                double x0 = f0, x1 = f1, x2 = f2, x3 = f3, x4 = f4, x5 = f5, x6 = f6, x7 = f7;
                r0 += x0;
                r1 += x1;
                r2 += x2;
                r3 += x3;
                r4 += x4;
                r5 += x5;
                r6 += x6;
                r7 += x7;
                a0 += Math.abs(x0);
                a1 += Math.abs(x1);
                a2 += Math.abs(x2);
                a3 += Math.abs(x3);
                a4 += Math.abs(x4);
                a5 += Math.abs(x5);
                a6 += Math.abs(x6);
                a7 += Math.abs(x7);
                q0 += x0 * x0;
                q1 += x1 * x1;
                q2 += x2 * x2;
                q3 += x3 * x3;
                q4 += x4 * x4;
                q5 += x5 * x5;
                q6 += x6 * x6;
                q7 += x7 * x7;
                hist[Float.floatToRawIntBits(f0) >>> sh]++;
                hist[Float.floatToRawIntBits(f1) >>> sh]++;
                hist[Float.floatToRawIntBits(f2) >>> sh]++;
                hist[Float.floatToRawIntBits(f3) >>> sh]++;
                hist[Float.floatToRawIntBits(f4) >>> sh]++;
                hist[Float.floatToRawIntBits(f5) >>> sh]++;
                hist[Float.floatToRawIntBits(f6) >>> sh]++;
                hist[Float.floatToRawIntBits(f7) >>> sh]++;
            }
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            ab = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
            sq = ((q0 + q1) + (q2 + q3)) + ((q4 + q5) + (q6 + q7));
        }
        for (; i < n; i++) {
            float f = a[i];
            double x = f;
            res += x;
            ab += Math.abs(x);
            sq += x * x;
            hist[Float.floatToRawIntBits(f) >>> sh]++;
        }
        sum = res;
        abs = ab;
        squares = sq;
    }

    /** Marks the buckets holding the wanted ranks and sizes the candidate array to their elements. */
    private void selectBuckets(int[] ranks) {
        wanted = new boolean[histogram.length];
        if (exact) {
            candidates = new float[0];
            return;
        }
        int total = 0;
        for (int r : ranks) {
            int b = bucketOf(r);
            if (!wanted[b]) {
                wanted[b] = true;
                total += histogram[b];
            }
        }
        candidates = new float[total];
    }

    private int bucketOf(int rank) {
        int below = 0;
        for (int k = 0; k < histogram.length; k++) {
            int b = bucketInOrder(k);
            below += histogram[b];
            if (rank < below) {
                return b;
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond " + below + " elements");
    }

    /** numpy's pairwise recursion of the squared deviations, left in {@code sum}. */
    private void secondPass(int from, int n) {
        if (n <= BLOCK) {
            sum = secondLeaf(from, n);
            return;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        secondPass(from, n2);
        double s = sum;
        secondPass(from + n2, n - n2);
        sum = s + sum;
    }

    /** One block: the sum of its squared deviations (x - mean)² in numpy's order, and its elements in wanted buckets. */
    private double secondLeaf(int from, int n) {
        float[] a = block;
        v.get(from, a, 0, n);
        boolean[] want = wanted;
        int sh = shift;
        double m = mean;
        double res;
        int i = 0;
        int end = n;
        if (n >= 8) {
            double r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
            int groups = end - n % 8;
            for (; i < groups; i += 8) {
                float f0 = a[i], f1 = a[i + 1], f2 = a[i + 2], f3 = a[i + 3];
                float f4 = a[i + 4], f5 = a[i + 5], f6 = a[i + 6], f7 = a[i + 7];
                double d0 = f0 - m, d1 = f1 - m, d2 = f2 - m, d3 = f3 - m, d4 = f4 - m, d5 = f5 - m, d6 = f6 - m, d7 = f7 - m;
                if (i == 0) {
                    r0 = d0 * d0;
                    r1 = d1 * d1;
                    r2 = d2 * d2;
                    r3 = d3 * d3;
                    r4 = d4 * d4;
                    r5 = d5 * d5;
                    r6 = d6 * d6;
                    r7 = d7 * d7;
                } else {
                    r0 += d0 * d0;
                    r1 += d1 * d1;
                    r2 += d2 * d2;
                    r3 += d3 * d3;
                    r4 += d4 * d4;
                    r5 += d5 * d5;
                    r6 += d6 * d6;
                    r7 += d7 * d7;
                }
                if (!exact && (want[Float.floatToRawIntBits(f0) >>> sh] | want[Float.floatToRawIntBits(f1) >>> sh]
                        | want[Float.floatToRawIntBits(f2) >>> sh] | want[Float.floatToRawIntBits(f3) >>> sh]
                        | want[Float.floatToRawIntBits(f4) >>> sh] | want[Float.floatToRawIntBits(f5) >>> sh]
                        | want[Float.floatToRawIntBits(f6) >>> sh] | want[Float.floatToRawIntBits(f7) >>> sh])) {
                    take(i, 8);
                }
            }
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
        } else {
            res = 0.0;
        }
        for (; i < end; i++) {
            double d = a[i] - m;
            res += d * d;
        }
        if (!exact) {
            int rest = n >= 8 ? n - n % 8 : 0;
            take(rest, n - rest);
        }
        return res;
    }

    /** Copies the elements of wanted buckets among {@code count} of the block from {@code from} to the candidates. */
    private void take(int from, int count) {
        for (int i = from, end = from + count; i < end; i++) {
            float f = block[i];
            if (wanted[Float.floatToRawIntBits(f) >>> shift]) {
                candidates[taken++] = f;
            }
        }
    }

    /** The value of each wanted rank among the sorted candidates, then numpy's interpolation. */
    private double[] quantiles(int[] ranks, int n) {
        double[] at = new double[ranks.length];
        for (int i = 0; i < ranks.length; i++) {
            at[i] = valueAt(ranks[i]);
        }
        double[] q = new double[5];
        q[0] = at[0];
        for (int k = 1; k <= 3; k++) {
            q[k] = Percentiles.interpolate(at[2 * k - 1], at[2 * k], n, 25.0 * k);
        }
        q[4] = at[7];
        return q;
    }

    /** Sorted, the candidates hold the wanted buckets in value order; a rank's place is its offset within its bucket. */
    private double valueAt(int rank) {
        int below = 0;
        int before = 0;
        for (int k = 0; k < histogram.length; k++) {
            int b = bucketInOrder(k);
            int count = histogram[b];
            if (rank < below + count) {
                return exact ? Float.intBitsToFloat(b << shift) : candidates[before + rank - below];
            }
            below += count;
            if (wanted[b]) {
                before += count;
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond " + below + " elements");
    }
}
