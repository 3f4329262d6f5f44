package io.weightcast.trainer;

/** A binary classifier's confusion counts on held-out checkpoints. */
public record ClassifierMetrics(long tp, long fp, long fn, long tn, int runs) {

    public static ClassifierMetrics of(boolean[] truth, boolean[] fired, int runs) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = 0; i < truth.length; i++) {
            if (fired[i] && truth[i]) {
                tp++;
            } else if (fired[i]) {
                fp++;
            } else if (truth[i]) {
                fn++;
            } else {
                tn++;
            }
        }
        return new ClassifierMetrics(tp, fp, fn, tn, runs);
    }

    /** NaN when it never fired. */
    public double precision() {
        return tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
    }

    /** NaN when there was nothing to find. */
    public double recall() {
        return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
    }

    /** NaN when precision or recall is; 0 when both are 0. */
    public double f1() {
        double p = precision();
        double r = recall();
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    public long checkpoints() {
        return tp + fp + fn + tn;
    }
}
