package io.weightcast.core.records;

/** Quality of a predictor on held-out runs (split by run). */
public record HoldoutMetrics(double r2, double mae, double kendallTau, int runs, int rows) {

    /** True if this is at least as good as {@code other} (R² is the deciding number). */
    public boolean notWorseThan(HoldoutMetrics other) {
        return other == null || !(r2 < other.r2 - 1e-9);
    }
}
