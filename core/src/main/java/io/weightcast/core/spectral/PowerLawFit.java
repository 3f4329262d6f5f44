package io.weightcast.core.spectral;

import io.weightcast.core.features.PairwiseSum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * WeightWatcher's power-law fit of an ESD tail ({@code WW_powerlaw.WWFit}, its default since 0.7):
 * the eigenvalues {@code x > threshold} (1e-5) sorted ascending; every value but the largest is tried as
 * xmin; for candidate i the tail is {@code x[i..]} (n = N − i values) with the maximum-likelihood
 * exponent {@code α = 1 + n / (Σ ln x[i..] − n·ln x[i])} and the Kolmogorov–Smirnov distance
 * {@code D = max_k |1 − (x[i+k]/x[i])^(1−α) − k/n|} (D = 1 when α ≤ 1); the FIRST candidate with the
 * smallest D wins (numpy's argmin). σ = (α − 1)/√n; {@code num_pl_spikes} counts eigenvalues ≥ xmin.
 *
 * <p>WeightWatcher's D looks wrong and is matched anyway: like the {@code powerlaw} package it
 * compares the power-law CDF at x[i+k] with k/n only, the empirical CDF just below that point, while
 * the textbook Kolmogorov–Smirnov distance also takes the gap to (k+1)/n just above it. Its D can be
 * up to 1/n below the KS distance, which favours small tails; its xmin, α and D follow from it, and
 * so do ours.
 *
 * <p>WeightWatcher evaluates every candidate completely: N²/2 powers, a third of its run time. Here:
 * the ln-sums of all tails come from one compensated suffix sum (O(N)); candidates are visited from
 * the largest xmin down (small tails first, which quickly give a good bound) and a candidate is
 * abandoned as soon as its running D can no longer beat the best (D, index) pair, where a tie is won
 * by the lower index, so the winner is WeightWatcher's whatever the visiting order; the position
 * where the last candidate peaked is tried first. Candidates may be spread over a ForkJoinPool in
 * chunks taken from the top, with a shared bound: the result does not depend on the schedule.
 * Finally the winner's α and D are recomputed with numpy's pairwise summation order, so they round
 * as WeightWatcher's do.
 *
 * @param tailSize the n of the winning candidate
 */
public record PowerLawFit(double alpha, double xmin, double xmax, double D, double sigma, int numPlSpikes, int tailSize) {
    private static final int CHUNK = 64;

    /** How many eigenvalues of an ascending array take part in a fit with this threshold. */
    public static int fittable(double[] ascending, double threshold) {
        return ascending.length - firstAbove(ascending, threshold);
    }

    public static PowerLawFit fit(double[] ascending, double threshold) {
        return fit(ascending, threshold, null);
    }

    /**
     * @param ascending all eigenvalues of the layer, sorted ascending
     * @param pool      spreads the candidates over this pool; null runs them on the calling thread
     * @throws IllegalArgumentException with fewer than 2 eigenvalues above {@code threshold}
     */
    public static PowerLawFit fit(double[] ascending, double threshold, ForkJoinPool pool) {
        int first = firstAbove(ascending, threshold);
        int count = ascending.length - first;
        if (count < 2) {
            throw new IllegalArgumentException("a power-law fit needs 2 eigenvalues above " + threshold + ", got " + count);
        }
        double[] x = Arrays.copyOfRange(ascending, first, ascending.length);
        double[] logs = new double[count];
        for (int j = 0; j < count; j++) {
            logs[j] = Math.log(x[j]);
        }
        Scan scan = new Scan(x, tailExponents(logs));
        int candidates = count - 1;
        if (pool == null || candidates < 4 * CHUNK) {
            scan.run(0, candidates);
        } else {
            // The top chunk alone first: it holds the small tails that give the bound everything else is pruned by.
            scan.run(candidates - CHUNK, candidates);
            AtomicInteger next = new AtomicInteger(1);
            int chunks = (candidates + CHUNK - 1) / CHUNK;
            Runnable worker = () -> {
                for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                    int to = candidates - c * CHUNK;
                    scan.run(Math.max(0, to - CHUNK), to);
                }
            };
            List<ForkJoinTask<?>> tasks = new ArrayList<>();
            for (int t = 0; t < pool.getParallelism(); t++) {
                tasks.add(pool.submit(worker));
            }
            tasks.forEach(ForkJoinTask::join);
        }
        int best = scan.best.get().index;
        int n = count - best;
        double alpha = 1 + n / (PairwiseSum.sum(logs, best, n) - n * logs[best]);
        double d = alpha > 1 ? ksDistance(x, best, alpha) : 1.0;
        int spikes = ascending.length - lowerBound(ascending, x[best]);
        return new PowerLawFit(alpha, x[best], x[count - 1], d, (alpha - 1) / Math.sqrt(n), spikes, n);
    }

    /** α for every candidate i in [0, N−2] from compensated suffix sums of ln x. */
    private static double[] tailExponents(double[] logs) {
        int count = logs.length;
        double[] alphas = new double[count - 1];
        double sum = logs[count - 1];
        double compensation = 0;
        for (int i = count - 2; i >= 0; i--) {
            double v = logs[i];
            double t = sum + v;
            compensation += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
            int n = count - i;
            alphas[i] = 1 + n / ((sum + compensation) - n * v);
        }
        return alphas;
    }

    /** The D of candidate {@code i}, every term, exactly as WeightWatcher computes it. */
    static double ksDistance(double[] x, int i, double alpha) {
        double n = x.length - i;
        double exponent = 1 - alpha;
        double d = 0;
        for (int j = i + 1; j < x.length; j++) {
            d = Math.max(d, deviation(x[j], x[i], exponent, j - i, n));
        }
        return d;
    }

    private static double deviation(double xj, double xmin, double exponent, int k, double n) {
        double ratio = xj / xmin;
        // numpy's pow(1, -inf) is 1; Java's is NaN (an all-equal tail has α = +inf)
        double theoretical = ratio == 1.0 ? 1.0 : Math.pow(ratio, exponent);
        return Math.abs(1 - theoretical - k / n);
    }

    private static int firstAbove(double[] ascending, double threshold) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] > threshold) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static int lowerBound(double[] ascending, double value) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] >= value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private record Best(double d, int index) {
        /** numpy's argmin order: smaller D, and on a tie the lower index. */
        boolean beatenBy(double otherD, int otherIndex) {
            return otherD < d || (otherD == d && otherIndex < index);
        }
    }

    /** The pruned scan over candidates, shareable between threads through {@link #best}. */
    private static final class Scan {
        private final double[] x;
        private final double[] alphas;
        final AtomicReference<Best> best = new AtomicReference<>(new Best(Double.POSITIVE_INFINITY, Integer.MAX_VALUE));

        Scan(double[] x, double[] alphas) {
            this.x = x;
            this.alphas = alphas;
        }

        /** Candidates {@code [from, to)} from the top down. */
        void run(int from, int to) {
            int hint = -1;
            for (int i = to - 1; i >= from; i--) {
                Best current = best.get();
                double alpha = alphas[i];
                if (!(alpha > 1)) {
                    offer(1.0, i);
                    continue;
                }
                int n = x.length - i;
                double exponent = 1 - alpha;
                double xmin = x[i];
                // Abandon at D > best, or at D = best when the best has the lower index.
                double bound = current.d;
                boolean tieLoses = i > current.index;
                double running = 0;
                int peak = -1;
                boolean abandoned = false;
                if (hint > i) {
                    running = deviation(x[hint], xmin, exponent, hint - i, n);
                    peak = hint;
                    abandoned = running > bound || (tieLoses && running == bound);
                }
                for (int j = i + 1; j < x.length && !abandoned; j++) {
                    double dev = deviation(x[j], xmin, exponent, j - i, n);
                    if (dev > running) {
                        running = dev;
                        peak = j;
                        abandoned = running > bound || (tieLoses && running == bound);
                    }
                }
                hint = peak;
                if (!abandoned) {
                    offer(running, i);
                }
            }
        }

        private void offer(double d, int index) {
            Best current = best.get();
            while (current.beatenBy(d, index)) {
                if (best.compareAndSet(current, new Best(d, index))) {
                    return;
                }
                current = best.get();
            }
        }
    }
}
