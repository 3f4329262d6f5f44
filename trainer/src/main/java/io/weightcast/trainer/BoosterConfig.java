package io.weightcast.trainer;

import java.util.Locale;

/**
 * LightGBM's capacity and effort for the final-accuracy regressor: what {@link AccuracyModelFitter} fits with.
 *
 * @param name           what the trainer reports the fit was made with
 * @param minDataInLeaf  the most rows a leaf needs; fewer on a small zoo ({@link #lightGbmParams}), so it still splits
 * @param iterations     boosting rounds
 */
public record BoosterConfig(String name, double learningRate, int numLeaves, int minDataInLeaf, double featureFraction,
                            double lambdaL2, int iterations) {
    /** The trainer's default since issue 6: quick to fit, good from a few dozen runs on. */
    public static BoosterConfig standard(int iterations) {
        return new BoosterConfig("standard", 0.05, 15, 20, 0.9, 0, iterations);
    }

    /**
     * More leaves, a slower rate and more rounds: the configuration the prediction benchmark's random search chose on
     * 2,101 runs of the digits zoo (eval/results/predict.md, "LightGBM and its tuning"), rounds capped; ~4× the fit time.
     */
    public static BoosterConfig deep() {
        return new BoosterConfig("deep", 0.03, 37, 29, 0.77, 0.15, 600);
    }

    public BoosterConfig {
        if (learningRate <= 0 || numLeaves < 2 || minDataInLeaf < 1 || featureFraction <= 0 || featureFraction > 1
                || lambdaL2 < 0 || iterations < 1) {
            throw new IllegalArgumentException("bad booster configuration " + this);
        }
    }

    /** LightGBM parameters for a fit on {@code rows} rows; {@code min_data_in_leaf} shrinks with the data so small zoos still split. */
    public String lightGbmParams(int rows, int threads, int seed) {
        int minData = Math.max(1, Math.min(minDataInLeaf, rows / 10));
        return String.format(Locale.ROOT, "objective=regression metric=l2 num_threads=%d learning_rate=%s num_leaves=%d"
                        + " min_data_in_leaf=%d feature_fraction=%s lambda_l2=%s bagging_fraction=0.8 bagging_freq=1", threads,
                learningRate, numLeaves, minData, featureFraction, lambdaL2)
                // 63 bins: a third of the default 255's fit time here; thousands of rows do not
                // support finer thresholds anyway
                + " max_bin=63"
                + " seed=" + seed
                // same rows + seed → same model, so a replayed fit reproduces its decision
                + " deterministic=true force_row_wise=true"
                // min_data_in_leaf varies per fit; keep every feature available to the binner
                + " feature_pre_filter=false"
                + " verbose=-1";
    }
}
