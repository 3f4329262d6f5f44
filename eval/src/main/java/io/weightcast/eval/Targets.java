package io.weightcast.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** The goals of issue 6, written beside the measured numbers (never asserted). */
public final class Targets {
    private Targets() {
    }

    public static Map<String, Object> json() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("epoch3", Map.of("r2", 0.90, "kendall_tau", 0.85));
        t.put("final_weights_only", Map.of("r2", 0.95, "kendall_tau", 0.88));
        t.put("final", Map.of("r2", 0.99, "kendall_tau", 0.93));
        t.put("coverage", Map.of("coverage80", 0.80, "coverage95", 0.95, "tolerance", 0.03));
        t.put("early_stop", Map.of("compute_saved", 0.80, "top5_kept", 1.0, "top1_kept", 1.0,
                "note", "in every order, and Weightcast's curve above every Optuna setting"));
        t.put("dying_relu", Map.of("precision", 0.9, "recall", 0.8));
        t.put("transfer", Map.of("kendall_tau", 0.7));
        t.put("floors", Map.of(
                "statistics_final", Map.of("r2", 0.84, "kendall_tau", 0.75),
                "statistics_curve_epoch3", Map.of("r2", 0.80, "kendall_tau", 0.73),
                "statistics_curve_epoch7", Map.of("r2", 0.93),
                "best_optuna", Map.of("compute_saved", 0.62, "top5_kept", 1.0),
                "gbm_rule", Map.of("compute_saved", 0.76, "top5_kept", 1.0),
                "note", "off-the-shelf numbers on a 400-run digits zoo (sklearn gradient boosting), from the issue"));
        return t;
    }
}
