package io.weightcast.core.model;

import java.util.Arrays;

/**
 * How much of a run's final test accuracy is the test set's draw rather than the run: an accuracy
 * {@code c} measured on {@code n} images has the binomial standard error {@code sqrt(c(1−c)/n)}. On the
 * digits zoo (360 test images) that is 0.013 at the top-5% cut, wider than the gap between the 80th and
 * the 95th percentile of final accuracy, so "is this run a top run?" is partly a coin the test split tosses.
 * The early-stop classifier learns from labels softened by it ({@link TopRunModel#softLabels}); the
 * benchmark counts the top runs clear of it.
 */
public final class TestSetNoise {
    /** Fewer test images than this read off the accuracies means the granularity is not a test size (a handful of runs). */
    public static final int MIN_TEST_IMAGES = 50;

    private TestSetNoise() {
    }

    /**
     * The test images behind these accuracies, read off their granularity (accuracies are multiples of 1/n,
     * so the smallest gap between two distinct ones is 1/n once there are enough runs); NaN when that gives
     * fewer than {@value #MIN_TEST_IMAGES} (a handful of runs) or there are no two distinct finite values.
     */
    public static double images(double[] accuracies) {
        double[] s = Arrays.stream(accuracies).filter(Double::isFinite).sorted().toArray();
        double gap = Double.POSITIVE_INFINITY;
        for (int i = 1; i < s.length; i++) {
            double d = s[i] - s[i - 1];
            if (d > 1e-7) {
                gap = Math.min(gap, d);
            }
        }
        double n = Math.rint(1 / gap);
        return Double.isFinite(gap) && n >= MIN_TEST_IMAGES ? n : Double.NaN;
    }

    /** The binomial standard error of an accuracy measured on {@code images} images; NaN when either is unknown. */
    public static double standardError(double accuracy, double images) {
        if (!(images > 0) || !(accuracy >= 0 && accuracy <= 1)) {
            return Double.NaN;
        }
        return Math.sqrt(accuracy * (1 - accuracy) / images);
    }
}
