package io.weightcast.eval.ssl;

/**
 * What the SSL evaluation predicts from a checkpoint (the paper's Table 6 rows that this zoo has):
 * the run's final test accuracy, its generalisation gap and the checkpoint's own epoch. The first
 * two are properties of the run (every checkpoint of a run shares them), so all three are fitted
 * and scored per checkpoint, pooled over epochs.
 */
public enum SslTask implements SslTarget {
    FINAL_TEST_ACCURACY("final_test_accuracy", "final test accuracy"),
    GENERALIZATION_GAP("generalization_gap", "generalisation gap (final train − final test accuracy)"),
    EPOCH("epoch", "epoch (the checkpoint's step)");

    private final String key;
    private final String label;

    SslTask(String key, String label) {
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
            case FINAL_TEST_ACCURACY -> run.eval().finalAccuracy();
            case GENERALIZATION_GAP -> run.generalizationGap();
            case EPOCH -> step;
        };
    }
}
