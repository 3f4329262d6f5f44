package io.weightcast.eval.ssl;

/**
 * The paper's Table 6 as it is meant (Schürholt et al. 2021): properties of each checkpoint itself, not of the
 * run's end: its own test accuracy, its own generalisation gap and its epoch. ssl.json's
 * {@code tasks_per_checkpoint}; {@link SslTask} keeps the run-level targets of {@code tasks}.
 */
public enum CheckpointTask implements SslTarget {
    TEST_ACCURACY("test_accuracy", "test accuracy (the checkpoint's eval/test_acc)"),
    GENERALIZATION_GAP("generalization_gap", "generalisation gap (the epoch's train_acc − the checkpoint's test accuracy)"),
    EPOCH("epoch", "epoch (the checkpoint's step)");

    private final String key;
    private final String label;

    CheckpointTask(String key, String label) {
        this.key = key;
        this.label = label;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public double target(SslZoo.Run run, int step) {
        return switch (this) {
            case TEST_ACCURACY -> run.testAccuracy()[step - 1];
            case GENERALIZATION_GAP -> run.trainAccuracy()[step - 1] - run.testAccuracy()[step - 1];
            case EPOCH -> step;
        };
    }
}
