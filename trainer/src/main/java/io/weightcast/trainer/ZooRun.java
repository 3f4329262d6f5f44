package io.weightcast.trainer;

import java.util.List;

/**
 * One zoo member: a finished run with its label and its checkpoints' feature vectors, by step.
 *
 * @param study         null when neither the run events nor the features named one
 * @param finalAccuracy the {@code finished} event's {@code final.test_accuracy} (the label)
 * @param checkpoints   ascending by step, at least one
 * @param finalTrainAccuracy {@code final.train_accuracy} when the run reported it (the generalisation gap's
 *                      other half), else null
 */
public record ZooRun(String runId, String study, double finalAccuracy, List<Checkpoint> checkpoints, Double finalTrainAccuracy) {

    public ZooRun(String runId, String study, double finalAccuracy, List<Checkpoint> checkpoints) {
        this(runId, study, finalAccuracy, checkpoints, null);
    }

    /** One checkpoint's feature vector ({@code FeatureLayout} order). */
    public record Checkpoint(long step, double[] values) {
    }

    public ZooRun {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("zoo run " + runId + " has no checkpoints");
        }
        checkpoints = List.copyOf(checkpoints);
    }

    public Checkpoint last() {
        return checkpoints.get(checkpoints.size() - 1);
    }
}
