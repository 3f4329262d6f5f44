package io.weightcast.eval.ssl;

import java.util.List;

/**
 * What the SSL evaluation predicts from a checkpoint. {@link #RUN} (ssl.json's {@code tasks}, {@code tasks_linear}):
 * the run's final test accuracy, its generalisation gap and the checkpoint's own epoch; the first two are
 * properties of the run (every checkpoint of a run shares them). {@link #PER_CHECKPOINT} (issue 23,
 * {@code tasks_per_checkpoint}): the paper's Table 6 as it is meant (Schürholt et al. 2021), properties of the
 * checkpoint itself: its own test accuracy, its own gap and its epoch. All are fitted and scored per checkpoint,
 * pooled over epochs.
 */
public enum SslTask {
    FINAL_TEST_ACCURACY("final_test_accuracy", "final test accuracy"),
    GENERALIZATION_GAP("generalization_gap", "generalisation gap (final train − final test accuracy)"),
    EPOCH("epoch", "epoch (the checkpoint's step)"),
    CHECKPOINT_TEST_ACCURACY("test_accuracy", "test accuracy (the checkpoint's eval/test_acc)"),
    CHECKPOINT_GAP("generalization_gap", "generalisation gap (the epoch's train_acc − the checkpoint's test accuracy)");

    /** The rows of {@code tasks}, {@code tasks_linear}. */
    public static final List<SslTask> RUN = List.of(FINAL_TEST_ACCURACY, GENERALIZATION_GAP, EPOCH);
    /** The rows of {@code tasks_per_checkpoint}. */
    public static final List<SslTask> PER_CHECKPOINT = List.of(CHECKPOINT_TEST_ACCURACY, CHECKPOINT_GAP, EPOCH);

    private final String key;
    private final String label;

    SslTask(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The row's key in its ssl.json table (unique within {@link #RUN} and within {@link #PER_CHECKPOINT}). */
    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    /** The target of the checkpoint at {@code step} of {@code run}. */
    public double target(SslZoo.Run run, int step) {
        return switch (this) {
            case FINAL_TEST_ACCURACY -> run.eval().finalAccuracy();
            case GENERALIZATION_GAP -> run.generalizationGap();
            case EPOCH -> step;
            case CHECKPOINT_TEST_ACCURACY -> run.testAccuracy()[step - 1];
            case CHECKPOINT_GAP -> run.trainAccuracy()[step - 1] - run.testAccuracy()[step - 1];
        };
    }
}
