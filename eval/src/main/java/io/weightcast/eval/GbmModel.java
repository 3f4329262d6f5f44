package io.weightcast.eval;

import com.microsoft.ml.lightgbm.PredictionType;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;

/** A fitted LightGBM booster (regression or binary); close it to free the native memory. */
public final class GbmModel implements AutoCloseable {
    private final LGBMBooster booster;
    private final int cols;

    private GbmModel(LGBMBooster booster, int cols) {
        this.booster = booster;
        this.cols = cols;
    }

    /** Fits {@code params.iterations()} trees (fewer if no split improves any more). */
    public static GbmModel fit(Rows train, GbmParams params, String objective, int threads, long seed) {
        String p = params.lightGbm(objective, train.rows(), threads, seed);
        LGBMDataset data = null;
        LGBMBooster booster = null;
        try {
            data = LGBMDataset.createFromMat(train.matrix(), train.rows(), train.cols(), true, p, null);
            data.setField("label", train.labels());
            booster = LGBMBooster.create(data, p);
            for (int i = 0; i < params.iterations(); i++) {
                if (booster.updateOneIter()) {
                    break;
                }
            }
            GbmModel model = new GbmModel(booster, train.cols());
            booster = null;
            return model;
        } catch (LGBMException e) {
            throw new IllegalStateException("LightGBM fit failed on " + train.rows() + " rows: " + e.getMessage(), e);
        } finally {
            Gbm.free(booster, data);
        }
    }

    /** Raw predictions (a regression's value, a binary model's probability). */
    public double[] predict(Rows rows) {
        if (rows.cols() != cols) {
            throw new IllegalArgumentException("rows have " + rows.cols() + " columns, the model " + cols);
        }
        if (rows.rows() == 0) {
            return new double[0];
        }
        try {
            return booster.predictForMat(rows.matrix(), rows.rows(), cols, true, PredictionType.C_API_PREDICT_NORMAL);
        } catch (LGBMException e) {
            throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
        }
    }

    /** Predictions clipped to [0, 1], the range of an accuracy (as the scorer's AccuracyModel does). */
    public double[] predictAccuracy(Rows rows) {
        double[] p = predict(rows);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.max(0.0, Math.min(1.0, p[i]));
        }
        return p;
    }

    /** Gain importance per column. */
    public double[] importance() {
        try {
            return booster.featureImportance(0, LGBMBooster.FeatureImportanceType.GAIN);
        } catch (LGBMException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Gbm.free(booster, null);
    }
}
