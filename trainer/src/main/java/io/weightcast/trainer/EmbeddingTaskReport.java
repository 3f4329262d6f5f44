package io.weightcast.trainer;

import com.microsoft.ml.lightgbm.PredictionType;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the embedding is worth, task by task (Schürholt et al. 2021, Table 6, on the live zoo): for
 * final test accuracy, generalisation gap (final train − final test accuracy) and epoch, LightGBM
 * on [statistics], [z] and [statistics + z], each checkpoint one sample, split by run like every fit;
 * statistics = the layout's weight features s(W) (statistics, norms, spectra, layer and parameter
 * counts) without the step, the planned steps and the reported metrics, which would give the epoch
 * away and are not weights;
 * held-out R² and Kendall τ over every held-out checkpoint. Reporting only: the scorer serves the
 * final-accuracy model the trainer publishes. Run once per encoder version (nine fits).
 */
final class EmbeddingTaskReport {

    enum Task { FINAL_ACCURACY, GENERALIZATION_GAP, EPOCH }

    static final List<String> INPUTS = List.of("statistics", "embedding", "both");
    private static final java.util.Set<String> NOT_WEIGHTS = java.util.Set.of("step", "planned_steps", "step_fraction");

    record Cell(Task task, String inputs, double r2, double kendallTau, int holdoutRows) {}

    private EmbeddingTaskReport() {}

    static List<Cell> measure(List<ZooRun> zoo, FeatureColumns both, FitParams params) {
        RunSplit.Sides<ZooRun> sides = new RunSplit(params.holdoutFraction(), params.seed()).apply(zoo, ZooRun::runId);
        List<Cell> out = new ArrayList<>();
        for (Task task : Task.values()) {
            List<ZooRun> train = labelled(sides.train(), task);
            List<ZooRun> holdout = labelled(sides.holdout(), task);
            if (train.size() < 2 || holdout.size() < 2) {
                continue;
            }
            TrainingRows trainRows = TrainingRows.of(train, both);
            TrainingRows holdoutRows = TrainingRows.of(holdout, both);
            double[] yTrain = targets(train, task);
            double[] yHoldout = targets(holdout, task);
            for (String inputs : INPUTS) {
                Predicate<String> notWeights = n -> NOT_WEIGHTS.contains(n) || !FeatureLayout.isWeightFeature(n);
                Predicate<String> drop = switch (inputs) {
                    case "statistics" -> notWeights.or(n -> n.startsWith(ModelVersion.EMBEDDING_PREFIX));
                    case "embedding" -> n -> !n.startsWith(ModelVersion.EMBEDDING_PREFIX);
                    default -> notWeights;
                };
                double[] p = fitPredict(trainRows.without(drop), yTrain, holdoutRows.without(drop), params);
                double tau = yHoldout.length <= AccuracyModelFitter.MAX_TAU_ROWS ? RegressionMetrics.kendallTau(yHoldout, p) : Double.NaN;
                out.add(new Cell(task, inputs, RegressionMetrics.r2(yHoldout, p), tau, yHoldout.length));
            }
        }
        return out;
    }

    private static List<ZooRun> labelled(List<ZooRun> runs, Task task) {
        return task == Task.GENERALIZATION_GAP ? runs.stream().filter(r -> r.finalTrainAccuracy() != null).toList() : runs;
    }

    /** One target per checkpoint, in {@link TrainingRows} order (run by run, steps ascending). */
    private static double[] targets(List<ZooRun> runs, Task task) {
        List<Double> y = new ArrayList<>();
        for (ZooRun r : runs) {
            for (ZooRun.Checkpoint c : r.checkpoints()) {
                y.add(switch (task) {
                    case FINAL_ACCURACY -> r.finalAccuracy();
                    case GENERALIZATION_GAP -> r.finalTrainAccuracy() - r.finalAccuracy();
                    case EPOCH -> (double) c.step();
                });
            }
        }
        return y.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] fitPredict(TrainingRows train, double[] y, TrainingRows test, FitParams params) {
        String p = "objective=regression metric=l2 num_threads=" + params.numThreads()
                + " learning_rate=0.05 num_leaves=15 min_data_in_leaf=" + Math.max(1, Math.min(20, train.rows() / 10))
                + " max_bin=63 seed=" + params.seed() + " deterministic=true force_row_wise=true feature_pre_filter=false verbose=-1";
        float[] labels = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            labels[i] = (float) y[i];
        }
        LGBMDataset dataset = null;
        LGBMBooster booster = null;
        try {
            dataset = LGBMDataset.createFromMat(train.matrix(), train.rows(), train.cols(), true, p, null);
            dataset.setField("label", labels);
            booster = LGBMBooster.create(dataset, p);
            for (int i = 0; i < params.numIterations(); i++) {
                if (booster.updateOneIter()) {
                    break; // no split improves any more
                }
            }
            return booster.predictForMat(test.matrix(), test.rows(), test.cols(), true, PredictionType.C_API_PREDICT_NORMAL);
        } catch (LGBMException e) {
            throw new IllegalStateException("LightGBM task fit failed: " + e.getMessage(), e);
        } finally {
            try {
                if (booster != null) {
                    booster.close();
                }
                if (dataset != null) {
                    dataset.close();
                }
            } catch (LGBMException e) {
                // freeing native memory of a finished fit: nothing to recover
            }
        }
    }
}
