package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.features.CheckpointAnalyzer;
import java.util.List;
import java.util.Map;

/**
 * One finished zoo run as the benchmark sees it: its label and, per epoch, the feature columns
 * ({@link FeatureLayout}) and the test-split facts used only as ground truth.
 *
 * @param epochs one per epoch 1..E, in order
 */
public record EvalRun(String runId, String activation, double finalAccuracy, List<Epoch> epochs) {

    /**
     * @param features           {@link FeatureLayout} order
     * @param weightDead         per layer, the weight criterion's dead fraction (what the scorer's flag reads)
     * @param measuredDead       per layer, the zoo's measured {@code dead_fraction/<layer>} (ground truth)
     * @param constantPrediction the zoo's {@code eval/constant_prediction} was 1 at this epoch
     * @param valAcc             the reported validation accuracy (what Optuna's pruners see)
     */
    public record Epoch(int step, double[] features, Map<String, Double> weightDead, Map<String, Double> measuredDead,
                        boolean constantPrediction, double valAcc) {
    }

    public EvalRun {
        epochs = List.copyOf(epochs);
    }

    public boolean relu() {
        return CheckpointAnalyzer.isRelu(activation);
    }

    public Epoch epoch(int step) {
        return epochs.get(step - 1);
    }

    public int epochCount() {
        return epochs.size();
    }
}
