package io.weightcast.core.model;

import com.microsoft.ml.lightgbm.PredictionType;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMException;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.StageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A loaded {@link ModelVersion}: LightGBM regressor of final accuracy (and the late-stage regressors
 * that serve late checkpoints in its place, {@link StageModel}) plus its interval half-widths,
 * and its {@link io.weightcast.core.records.ChanceFloor} when it has one (rows the floor's classifier
 * puts at the chance level get exactly that level). Predictions are clipped to [0, 1], the range of
 * an accuracy. Close it to free the native boosters.
 */
public final class AccuracyModel implements AutoCloseable {
    /** The feature whose value picks a row's stage of training for its interval. */
    static final String STEP_FRACTION = "step_fraction";
    private final ModelVersion version;
    private final LGBMBooster booster;
    private final List<LGBMBooster> stageBoosters; // version.stageModels()' boosters, same order
    private final ChanceFloorModel floor; // null without a chance floor
    private final TopRunModel topRun; // null without an early-stop rule
    private final int features;
    private final int stepFractionColumn; // -1 when the model does not read it

    private AccuracyModel(ModelVersion version, LGBMBooster booster, List<LGBMBooster> stageBoosters, ChanceFloorModel floor,
                          TopRunModel topRun) {
        this.version = version;
        this.booster = booster;
        this.stageBoosters = stageBoosters;
        this.floor = floor;
        this.topRun = topRun;
        this.features = version.featureNames().size();
        this.stepFractionColumn = version.featureNames().indexOf(STEP_FRACTION);
    }

    public static AccuracyModel load(ModelVersion version) {
        LGBMBooster booster;
        try {
            booster = LGBMBooster.loadModelFromString(version.modelText());
        } catch (LGBMException e) {
            throw new IllegalArgumentException("model version " + version.version() + " does not load: " + e.getMessage(), e);
        }
        ChanceFloorModel floor = null;
        List<LGBMBooster> stages = new ArrayList<>();
        try {
            for (StageModel m : version.stageModels() == null ? List.<StageModel>of() : version.stageModels()) {
                stages.add(LGBMBooster.loadModelFromString(m.modelText()));
            }
            int cols = version.featureNames().size();
            floor = version.chanceFloor() == null ? null : ChanceFloorModel.load(version.chanceFloor(), cols);
            TopRunModel topRun = version.topRunRule() == null ? null : TopRunModel.load(version.topRunRule(), cols);
            return new AccuracyModel(version, booster, stages, floor, topRun);
        } catch (LGBMException | RuntimeException e) {
            free(booster);
            stages.forEach(AccuracyModel::free);
            if (floor != null) {
                floor.close();
            }
            throw new IllegalArgumentException("model version " + version.version() + ": " + e.getMessage(), e);
        }
    }

    public ModelVersion version() {
        return version;
    }

    public double predict(double[] featureVector) {
        if (featureVector.length != features) {
            throw new IllegalArgumentException("feature vector has " + featureVector.length + " values, model expects " + features);
        }
        return predict(featureVector, 1)[0];
    }

    /**
     * Rows at {@code step_fraction} at or past a stage model's start get that model's prediction (the latest such
     * stage's), the others the pooled model's; then clipped to [0, 1] and the chance floor applied.
     */
    public double[] predict(double[] rowMajor, int rows) {
        try {
            double[] out = booster.predictForMat(rowMajor, rows, features, true, PredictionType.C_API_PREDICT_NORMAL);
            for (int s = 0; s < stageBoosters.size(); s++) {
                overrideLateRows(out, rowMajor, rows, version.stageModels().get(s).fromStepFraction(), stageBoosters.get(s));
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = clip(out[i]);
            }
            return floor == null ? out : floor.apply(rowMajor, rows, out);
        } catch (LGBMException e) {
            throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
        }
    }

    private void overrideLateRows(double[] out, double[] rowMajor, int rows, double from, LGBMBooster stage) throws LGBMException {
        if (stepFractionColumn < 0) {
            return;
        }
        List<Integer> late = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            double f = rowMajor[i * features + stepFractionColumn];
            if (Double.isFinite(f) && f >= from) {
                late.add(i);
            }
        }
        if (late.isEmpty()) {
            return;
        }
        double[] x = new double[late.size() * features];
        for (int k = 0; k < late.size(); k++) {
            System.arraycopy(rowMajor, late.get(k) * features, x, k * features, features);
        }
        double[] p = stage.predictForMat(x, late.size(), features, true, PredictionType.C_API_PREDICT_NORMAL);
        for (int k = 0; k < late.size(); k++) {
            out[late.get(k)] = p[k];
        }
    }

    /** P(the run finishes near the top) of one checkpoint from the early-stop rule, or null without one. */
    public Double topRunProbability(double[] featureVector) {
        return topRun == null ? null : topRun.probabilities(featureVector, 1)[0];
    }

    /** Intervals around a prediction from the model's held-out residual quantiles pooled over every stage, narrowest level first. */
    public List<Interval> intervals(double prediction) {
        return intervals(prediction, version.residualQuantiles());
    }

    /**
     * Intervals around the prediction for this feature row: the half-widths of the row's stage of training
     * (its {@code step_fraction}), else the pooled ones. Narrowest level first.
     */
    public List<Interval> intervals(double prediction, double[] featureVector) {
        double fraction = stepFractionColumn < 0 || featureVector.length != features ? Double.NaN : featureVector[stepFractionColumn];
        return intervals(prediction, version.residualQuantiles(fraction));
    }

    private static List<Interval> intervals(double prediction, Map<String, Double> q) {
        List<Interval> out = new ArrayList<>();
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
        free(booster);
        stageBoosters.forEach(AccuracyModel::free);
        if (floor != null) {
            floor.close();
        }
        if (topRun != null) {
            topRun.close();
        }
    }

    private static void free(LGBMBooster b) {
        try {
            b.close();
        } catch (LGBMException e) {
            // freeing a booster that failed is not actionable
        }
    }
}
