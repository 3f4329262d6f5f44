package io.weightcast.core.model;

import com.microsoft.ml.lightgbm.PredictionType;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMException;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A loaded {@link ModelVersion}: LightGBM regressor of final accuracy plus its interval half-widths.
 * Predictions are clipped to [0, 1], the range of an accuracy. Close it to free the native booster.
 */
public final class AccuracyModel implements AutoCloseable {
    private final ModelVersion version;
    private final LGBMBooster booster;
    private final int features;

    private AccuracyModel(ModelVersion version, LGBMBooster booster) {
        this.version = version;
        this.booster = booster;
        this.features = version.featureNames().size();
    }

    public static AccuracyModel load(ModelVersion version) {
        try {
            return new AccuracyModel(version, LGBMBooster.loadModelFromString(version.modelText()));
        } catch (LGBMException e) {
            throw new IllegalArgumentException("model version " + version.version() + " does not load: " + e.getMessage(), e);
        }
    }

    public ModelVersion version() {
        return version;
    }

    public double predict(double[] featureVector) {
        if (featureVector.length != features) {
            throw new IllegalArgumentException("feature vector has " + featureVector.length + " values, model expects " + features);
        }
        try {
            double[] out = booster.predictForMat(featureVector, 1, features, true, PredictionType.C_API_PREDICT_NORMAL);
            return clip(out[0]);
        } catch (LGBMException e) {
            throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
        }
    }

    public double[] predict(double[] rowMajor, int rows) {
        try {
            double[] out = booster.predictForMat(rowMajor, rows, features, true, PredictionType.C_API_PREDICT_NORMAL);
            for (int i = 0; i < out.length; i++) {
                out[i] = clip(out[i]);
            }
            return out;
        } catch (LGBMException e) {
            throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
        }
    }

    /** Intervals around a prediction from the model's held-out residual quantiles, narrowest level first. */
    public List<Interval> intervals(double prediction) {
        List<Interval> out = new ArrayList<>();
        Map<String, Double> q = version.residualQuantiles();
        if (q == null) {
            return out;
        }
        q.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(new Interval(Double.parseDouble(e.getKey()),
                        clip(prediction - e.getValue()), clip(prediction + e.getValue()))));
        return out;
    }

    private static double clip(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    @Override
    public void close() {
        try {
            booster.close();
        } catch (LGBMException e) {
            // freeing a booster that failed is not actionable
        }
    }
}
