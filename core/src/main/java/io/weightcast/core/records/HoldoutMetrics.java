package io.weightcast.core.records;

import java.util.Locale;

/** Quality of a predictor on held-out runs (split by run). */
public record HoldoutMetrics(double r2, double mae, double kendallTau, int runs, int rows) {
    /** Below this many held-out runs R² and τ are noise (R² of a handful of runs can be -90), so say so. */
    public static final int MIN_RUNS_TO_JUDGE = 10;

    /** True if this is at least as good as {@code other} (R² is the deciding number). */
    public boolean notWorseThan(HoldoutMetrics other) {
        return other == null || !(r2 < other.r2 - 1e-9);
    }

    public boolean tooFewRuns() {
        return runs < MIN_RUNS_TO_JUDGE;
    }

    /** "held-out R² 0.950, τ 0.880, MAE 0.031 on 120 runs", or why those numbers mean nothing yet. */
    public String describe() {
        if (tooFewRuns()) {
            return String.format(Locale.ROOT, "held-out: %d run%s, too few to judge (R² and τ need %d)", runs,
                    runs == 1 ? "" : "s", MIN_RUNS_TO_JUDGE);
        }
        return String.format(Locale.ROOT, "held-out R² %.3f, τ %.3f, MAE %.3f on %d runs", r2, kendallTau, mae, runs);
    }
}
