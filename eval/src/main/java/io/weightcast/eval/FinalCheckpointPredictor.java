package io.weightcast.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predictor behind the final-checkpoint targets ({@code final}, {@code final_weights_only}):
 * the paper's question, a run's final weights (and, for "everything", its final metrics) → its final
 * test accuracy, answered by a model fitted for that one checkpoint.
 *
 * <p>Two candidates, chosen by K-fold cross-validation over the TRAINING runs' final checkpoints (MSE,
 * folds by run): the feature set's all-epoch model (pooled; its number of trees re-chosen for the final
 * checkpoint, where errors are smaller and later trees still help) or a model fitted on the final
 * checkpoints alone (as Unterthiner et al. fit theirs). The chosen one is fitted {@link #BAGS} times with
 * different LightGBM seeds (row bagging and feature_fraction make the fits differ) and the predictions
 * averaged: a held-out τ moved by ±0.002 with the seed alone, averaging removes that lottery. The feature
 * set's chance floor (fitted on every checkpoint, {@link Predictor}) applies on top.
 */
final class FinalCheckpointPredictor {
    /** LightGBM seeds averaged. */
    static final int BAGS = 5;
    /** Seeds of the bag: {@code seed + k * SEED_STRIDE}. */
    private static final long SEED_STRIDE = 1000;

    /**
     * @param mode          {@code all_epochs} or {@code final_checkpoint}: the candidate the CV chose
     * @param trees         its number of trees
     * @param cvMseAllEpochs  CV MSE at the final checkpoint of the all-epoch model (NaN when the set's tuning is
     *                      per epoch: its final-epoch model is then the other candidate)
     * @param cvMseFinalOnly  CV MSE of the model fitted on final checkpoints alone
     */
    record Choice(String mode, int trees, double cvMseAllEpochs, double cvMseFinalOnly, int folds, int bags, double seconds) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode);
            m.put("trees", trees);
            m.put("cv_mse_all_epochs_model", cvMseAllEpochs);
            m.put("cv_mse_final_checkpoint_model", cvMseFinalOnly);
            m.put("cv_folds", folds);
            m.put("bags", bags);
            m.put("seconds", seconds);
            m.put("rule", "the feature set's all-epoch model (trees re-chosen for the final checkpoint) or one fitted on the "
                    + "final checkpoints alone, whichever has the lower " + folds + "-fold CV MSE on the training runs' final "
                    + "checkpoints; then the mean of " + bags + " LightGBM seeds; the set's chance floor on top");
            return m;
        }
    }

    /** @param predictions per held-out run, in the order of the list given */
    record Result(double[] predictions, Choice choice) {
    }

    private FinalCheckpointPredictor() {
    }

    /**
     * @param allEpochs the feature set's fitted all-epoch predictor: its chance floor is reused
     */
    static Result fit(List<EvalRun> train, List<EvalRun> test, int[] cols, TunedModel tuned, Predictor allEpochs, int epochs,
                      int folds, int maxIterations, int threads, long seed) {
        long t0 = System.nanoTime();
        int k = Math.min(folds, train.size());
        int[] fold = RunFolds.assign(train.size(), k, seed);
        boolean pooledCandidate = tuned.mode() == ModelMode.POOLED; // per epoch: its final model IS the other candidate
        List<Rows> pooledTrain = new ArrayList<>();
        List<Rows> finalTrain = new ArrayList<>();
        List<Rows> finalValid = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            List<EvalRun> in = RunFolds.select(train, fold, f, false);
            if (pooledCandidate) {
                pooledTrain.add(Rows.of(in, cols));
            }
            finalTrain.add(Rows.of(in, cols, epochs));
            finalValid.add(Rows.of(RunFolds.select(train, fold, f, true), cols, epochs));
        }
        Gbm.CvResult finalOnly = Gbm.crossValidate(finalTrain, finalValid, tuned.params(), maxIterations, threads, seed);
        Gbm.CvResult pooled = pooledCandidate
                ? Gbm.crossValidate(pooledTrain, finalValid, tuned.params(), maxIterations, threads, seed) : null;
        boolean usePooled = pooled != null && pooled.mse() <= finalOnly.mse();
        int trees = usePooled ? pooled.iterations() : finalOnly.iterations();
        Rows fitRows = usePooled ? Rows.of(train, cols) : Rows.of(train, cols, epochs);
        // one row per held-out run, in the list's order (Rows keeps it)
        Rows testRows = Rows.of(test, cols, epochs);
        if (testRows.rows() != test.size()) {
            throw new IllegalStateException(test.size() + " held-out runs but " + testRows.rows() + " final checkpoints");
        }
        double[] mean = new double[test.size()];
        for (int b = 0; b < BAGS; b++) {
            try (GbmModel m = GbmModel.fit(fitRows, tuned.params().withIterations(trees), "regression", threads,
                    seed + b * SEED_STRIDE)) {
                double[] p = m.predictAccuracy(testRows);
                for (int i = 0; i < p.length; i++) {
                    mean[i] += p[i] / BAGS;
                }
            }
        }
        double[] out = allEpochs.applyFloor(testRows, mean);
        Choice choice = new Choice(usePooled ? "all_epochs" : "final_checkpoint", trees, pooled == null ? Double.NaN : pooled.mse(),
                finalOnly.mse(), k, BAGS, (System.nanoTime() - t0) / 1e9);
        return new Result(out, choice);
    }
}
