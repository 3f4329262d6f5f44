package io.weightcast.trainer;

import io.weightcast.core.records.HoldoutMetrics;
import java.util.Map;

/**
 * A fitted accuracy model and how it did on the held-out runs.
 *
 * @param holdout           R², MAE, τ on the FINAL checkpoint of each holdout run (the headline
 *                          number); {@code runs} and {@code rows} count the whole holdout set
 * @param holdoutAllRows    on every checkpoint of the holdout runs (how it does mid-run); τ is NaN
 *                          above {@value AccuracyModelFitter#MAX_TAU_ROWS} rows (O(n²))
 * @param residualQuantiles "0.8"/"0.95" → that quantile of |residual| over all holdout rows
 */
public record FitResult(
        String modelText,
        int trainingRuns,
        int trainingRows,
        HoldoutMetrics holdout,
        HoldoutMetrics holdoutAllRows,
        Map<String, Double> residualQuantiles,
        double seconds) {
}
