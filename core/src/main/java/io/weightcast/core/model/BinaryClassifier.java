package io.weightcast.core.model;

import com.microsoft.ml.lightgbm.PredictionType;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;

/**
 * A LightGBM binary classifier over row-major feature rows: the shared fit and prediction of the
 * models that answer a yes/no question about a checkpoint (dying ReLU, the chance floor, top run).
 * One set of parameters for all of them: the trainer's accuracy-model settings with a binary
 * objective (not tuned per question). Close a loaded one to free the native booster.
 */
public final class BinaryClassifier implements AutoCloseable {
    /** Trees per fit. */
    public static final int ITERATIONS = 300;

    private final LGBMBooster booster;
    private final int cols;

    private BinaryClassifier(LGBMBooster booster, int cols) {
        this.booster = booster;
        this.cols = cols;
    }

    /** How many of the labels are positive. */
    public static int positives(boolean[] labels) {
        int n = 0;
        for (boolean b : labels) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /**
     * Fits and returns the model text.
     *
     * @param x            {@code labels.length × cols} values, row-major, NaN for missing
     * @param featureNames written into the model text, or null
     * @throws IllegalArgumentException when the labels hold one class only (nothing to learn)
     */
    public static String fit(double[] x, int cols, boolean[] labels, String[] featureNames, int threads, long seed) {
        int positives = positives(labels);
        if (positives == 0 || positives == labels.length) {
            throw new IllegalArgumentException("labels hold one class only (" + positives + " of " + labels.length
                    + " positive): nothing to learn");
        }
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i] ? 1f : 0f;
        }
        return fit(x, cols, y, "binary", featureNames, threads, seed);
    }

    /**
     * Fits on soft labels, each the probability in [0, 1] that its row is a yes (LightGBM's
     * {@code cross_entropy} objective, whose prediction is again a probability): for a question whose
     * ground truth is itself uncertain, as "did this run finish at the top?" is under test-set noise.
     *
     * @throws IllegalArgumentException when a label is outside [0, 1] or all labels are equal (nothing to learn)
     */
    public static String fitSoft(double[] x, int cols, double[] labels, String[] featureNames, int threads, long seed) {
        float[] y = new float[labels.length];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < y.length; i++) {
            if (!(labels[i] >= 0 && labels[i] <= 1)) {
                throw new IllegalArgumentException("soft label " + labels[i] + " at row " + i + " is not a probability");
            }
            y[i] = (float) labels[i];
            min = Math.min(min, labels[i]);
            max = Math.max(max, labels[i]);
        }
        if (!(max > min)) {
            throw new IllegalArgumentException("all " + labels.length + " soft labels are equal: nothing to learn");
        }
        return fit(x, cols, y, "cross_entropy", featureNames, threads, seed);
    }

    private static String fit(double[] x, int cols, float[] y, String objective, String[] featureNames, int threads, long seed) {
        int rows = y.length;
        if (x.length != (long) rows * cols) {
            throw new IllegalArgumentException(x.length + " values for " + rows + " rows of " + cols);
        }
        String p = lightGbmParams(objective, rows, threads, seed);
        LGBMDataset data = null;
        LGBMBooster b = null;
        try {
            data = LGBMDataset.createFromMat(x, rows, cols, true, p, null);
            data.setField("label", y);
            if (featureNames != null) {
                data.setFeatureNames(featureNames);
            }
            b = LGBMBooster.create(data, p);
            for (int i = 0; i < ITERATIONS; i++) {
                if (b.updateOneIter()) {
                    break; // no split improves any more
                }
            }
            return b.saveModelToString(0, 0, LGBMBooster.FeatureImportanceType.SPLIT);
        } catch (LGBMException e) {
            throw new IllegalStateException(objective + " fit failed on " + rows + " rows: " + e.getMessage(), e);
        } finally {
            free(b);
            if (data != null) {
                try {
                    data.close();
                } catch (LGBMException e) {
                    // freeing native memory of a finished fit: nothing to recover
                }
            }
        }
    }

    /** The trainer's accuracy-model settings with a binary (or cross-entropy) objective; min_data_in_leaf shrinks with tiny zoos. */
    static String lightGbmParams(String objective, int rows, int threads, long seed) {
        return "objective=" + objective + " metric=" + ("binary".equals(objective) ? "binary_logloss" : objective) + " num_threads=" + Math.max(1, threads)
                + " learning_rate=0.05 num_leaves=15 min_data_in_leaf=" + Math.max(1, Math.min(20, rows / 10))
                + " feature_fraction=0.9 bagging_fraction=0.8 bagging_freq=1 max_bin=63 seed=" + seed
                + " deterministic=true force_row_wise=true feature_pre_filter=false verbose=-1";
    }

    /** @throws IllegalArgumentException when the text does not load */
    public static BinaryClassifier load(String modelText, int cols) {
        try {
            return new BinaryClassifier(LGBMBooster.loadModelFromString(modelText), cols);
        } catch (LGBMException e) {
            throw new IllegalArgumentException("classifier does not load: " + e.getMessage(), e);
        }
    }

    /** P(yes) per row. */
    public double[] probabilities(double[] x, int rows) {
        if (rows == 0) {
            return new double[0];
        }
        try {
            return booster.predictForMat(x, rows, cols, true, PredictionType.C_API_PREDICT_NORMAL);
        } catch (LGBMException e) {
            throw new IllegalStateException("classifier prediction failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        free(booster);
    }

    private static void free(LGBMBooster b) {
        if (b != null) {
            try {
                b.close();
            } catch (LGBMException e) {
                // freeing a booster is not actionable
            }
        }
    }
}
