package io.weightcast.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The LightGBM hyper-parameters the benchmark tunes (ranges in the spirit of the paper's §A.4:
 * leaves, learning rate, minimum data per leaf, feature fraction, L2 and the number of trees, the
 * latter chosen by cross-validation with early stopping).
 */
public record GbmParams(int numLeaves, double learningRate, int minDataInLeaf, double featureFraction, double lambdaL2,
                        int iterations) {

    /** The trainer's working defaults (trainer/AccuracyModelFitter): the first configuration tried. */
    public static GbmParams defaults(int maxIterations) {
        return new GbmParams(15, 0.05, 20, 0.9, 0.0, maxIterations);
    }

    /**
     * A random configuration: leaves 4-64 and learning rate 0.02-0.2 log-uniform, min data 2-80
     * log-uniform, feature fraction 0.3-1, L2 0 (one in five) or 1e-3-10 log-uniform. Learning rates
     * below 0.02 need thousands of trees for the same fit: outside what a shared 2-core machine affords.
     */
    public static GbmParams sample(Random rnd, int maxIterations) {
        int leaves = (int) Math.round(Math.exp(logUniform(rnd, Math.log(4), Math.log(64))));
        double lr = Math.exp(logUniform(rnd, Math.log(0.02), Math.log(0.2)));
        int minData = (int) Math.round(Math.exp(logUniform(rnd, Math.log(2), Math.log(80))));
        double ff = 0.3 + 0.7 * rnd.nextDouble();
        double l2 = rnd.nextDouble() < 0.2 ? 0.0 : Math.exp(logUniform(rnd, Math.log(1e-3), Math.log(10)));
        return new GbmParams(leaves, lr, minData, ff, l2, maxIterations);
    }

    private static double logUniform(Random rnd, double lo, double hi) {
        return lo + (hi - lo) * rnd.nextDouble();
    }

    public GbmParams withIterations(int n) {
        return new GbmParams(numLeaves, learningRate, minDataInLeaf, featureFraction, lambdaL2, n);
    }

    /**
     * @param objective "regression" or "binary"
     * @param rows      training rows: min_data_in_leaf is capped at a tenth of them so tiny zoos still split
     */
    public String lightGbm(String objective, int rows, int threads, long seed) {
        int minData = Math.max(1, Math.min(minDataInLeaf, rows / 10));
        return String.format(Locale.ROOT, "objective=%s metric=%s num_threads=%d num_leaves=%d learning_rate=%.6g"
                        + " min_data_in_leaf=%d feature_fraction=%.4f lambda_l2=%.6g bagging_fraction=0.8 bagging_freq=1"
                        // 63 bins as the trainer: thousands of rows do not support finer thresholds
                        + " max_bin=63 seed=%d deterministic=true force_row_wise=true feature_pre_filter=false verbose=-1",
                objective, objective.equals("binary") ? "binary_logloss" : "l2", Math.max(1, threads), numLeaves,
                learningRate, minData, featureFraction, lambdaL2, seed);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_leaves", numLeaves);
        m.put("learning_rate", learningRate);
        m.put("min_data_in_leaf", minDataInLeaf);
        m.put("feature_fraction", featureFraction);
        m.put("lambda_l2", lambdaL2);
        m.put("iterations", iterations);
        return m;
    }
}
