package io.weightcast.trainer;

import io.weightcast.core.records.ChanceFloor;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.StageModel;
import io.weightcast.core.records.TopRunRule;
import java.util.List;
import java.util.Map;

/**
 * A fitted accuracy model and how it did on the held-out runs.
 *
 * @param chanceFloor       the classifier that puts collapsed runs at the chance level, or null (no point mass)
 * @param topRunRule        the early-stop rule (classifier + thresholds calibrated on the held-out runs), or null
 * @param holdout           R², MAE, τ on the FINAL checkpoint of each holdout run (the headline
 *                          number); {@code runs} and {@code rows} count the whole holdout set
 * @param holdoutAllRows    on every checkpoint of the holdout runs (how it does mid-run); τ is NaN
 *                          above {@value AccuracyModelFitter#MAX_TAU_ROWS} rows (O(n²))
 * @param residualQuantiles "0.8"/"0.9"/"0.95" → that quantile of |residual| over all calibration rows
 * @param stageResidualQuantiles per stage of training, the conformal half-widths of that stage's calibration rows
 *                          (core {@code ModelVersion#stageResidualQuantiles}); empty when rows have no step fraction
 * @param calibrationRuns   the runs whose residuals calibrate the intervals: the holdout runs, and with
 *                          {@link FitParams#conformalFolds()} the training runs too (out of fold)
 * @param holdoutRunIds     the held-out runs, in zoo order
 * @param holdoutData       their rows, kept so another model (the current version) can be scored on
 *                          exactly the same runs: {@link AccuracyModelFitter#evaluate}
 * @param ablations         feature family left out → headline holdout metrics of the same fit without it
 *                          ("spectra"; with embedding columns also "embedding" (statistics only) and
 *                          "statistics" (z only))
 * @param columns           the columns the model reads
 * @param holdoutRuns       the held-out runs themselves, to build rows for a model with other columns
 * @param stageModels       the late-stage regressors serving late checkpoints in place of {@code modelText} (empty: none)
 * @param split             when this is the served refit on every zoo run ({@link AccuracyModelFitter#servedOnAll}): the fit
 *                          on the training runs alone that its held-out metrics, intervals and early-stop rule come from,
 *                          and that the next candidate is compared with; null when this is that fit
 */
public record FitResult(
        String modelText,
        ChanceFloor chanceFloor,
        TopRunRule topRunRule,
        int trainingRuns,
        int trainingRows,
        HoldoutMetrics holdout,
        HoldoutMetrics holdoutAllRows,
        Map<String, Double> residualQuantiles,
        List<Map<String, Double>> stageResidualQuantiles,
        int calibrationRuns,
        double seconds,
        List<String> holdoutRunIds,
        TrainingRows holdoutData,
        Map<String, HoldoutMetrics> ablations,
        FeatureColumns columns,
        List<ZooRun> holdoutRuns,
        List<StageModel> stageModels,
        FitResult split) {

    /** The same fit with its intervals calibrated anew. */
    FitResult withCalibration(Map<String, Double> quantiles, List<Map<String, Double>> stageQuantiles, int runs,
                              double totalSeconds) {
        return new FitResult(modelText, chanceFloor, topRunRule, trainingRuns, trainingRows, holdout, holdoutAllRows, quantiles,
                stageQuantiles, runs, totalSeconds, holdoutRunIds, holdoutData, ablations, columns, holdoutRuns, stageModels, split);
    }

    /**
     * This fit's regressors refit on every zoo run, served in its place; everything else is this fit's, the counts of
     * training runs and rows included (they go with the held-out metrics: training + held-out = the zoo).
     */
    FitResult servedAs(String text, ChanceFloor floor, List<StageModel> stage, double totalSeconds) {
        return new FitResult(text, floor, topRunRule, trainingRuns, trainingRows, holdout, holdoutAllRows, residualQuantiles, stageResidualQuantiles,
                calibrationRuns, totalSeconds, holdoutRunIds, holdoutData, ablations, columns, holdoutRuns, stage, this);
    }
}
