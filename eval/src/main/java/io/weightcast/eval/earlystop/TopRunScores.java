package io.weightcast.eval.earlystop;

import io.weightcast.eval.Rows;
import io.weightcast.eval.RunFolds;
import io.weightcast.eval.EvalRun;
import io.weightcast.core.model.BinaryClassifier;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.model.TopRunModel;
import java.util.List;

/**
 * The early-stop classifier's probabilities (core {@link TopRunModel}: P(the run finishes at or above
 * the {@link TopRunModel#LABEL_PERCENTILE} of final accuracy), fitted on soft labels as the trainer does) on every
 * checkpoint: out-of-fold on the
 * training runs (each fold's runs scored by a classifier fitted on the other folds, labels from those
 * folds' finals), and on the held-out runs by the classifier fitted on every training run ({@code test})
 * and by the mean of the fold classifiers ({@code testFoldMean}: scored like the out-of-fold scores the
 * thresholds come from, each by a model that did not see the run, with less of one model's noise).
 *
 * @param oof          [training run][epoch-1]
 * @param test         [held-out run][epoch-1]
 * @param testFoldMean [held-out run][epoch-1]
 */
public record TopRunScores(double[][] oof, double[][] test, double[][] testFoldMean) {

    public static TopRunScores of(List<EvalRun> train, List<EvalRun> test, int[] cols, int epochs, int folds, long seed, int threads) {
        return of(train, test, cols, epochs, folds, seed, threads, TopRunModel.LABEL_SOFTNESS);
    }

    /**
     * @param softness width of the soft labels in test-set standard errors ({@link TopRunModel#softLabels}; the trainer
     *                 fits with {@link TopRunModel#LABEL_SOFTNESS}); 0: hard 0/1 labels (a diagnostic)
     */
    public static TopRunScores of(List<EvalRun> train, List<EvalRun> test, int[] cols, int epochs, int folds, long seed, int threads,
                           double softness) {
        int k = Math.min(folds, train.size());
        int[] fold = RunFolds.assign(train.size(), k, seed);
        double[][] oof = new double[train.size()][];
        double[][] foldMean = new double[test.size()][epochs];
        for (int f = 0; f < k; f++) {
            List<EvalRun> inside = RunFolds.select(train, fold, f, true);
            List<EvalRun> both = new java.util.ArrayList<>(inside);
            both.addAll(test);
            double[][] p = score(RunFolds.select(train, fold, f, false), both, cols, epochs, threads, seed, softness);
            int at = 0;
            for (int r = 0; r < train.size(); r++) {
                if (fold[r] == f) {
                    oof[r] = p[at++];
                }
            }
            for (int r = 0; r < test.size(); r++) {
                for (int e = 0; e < epochs; e++) {
                    foldMean[r][e] += p[inside.size() + r][e] / k;
                }
            }
        }
        return new TopRunScores(oof, score(train, test, cols, epochs, threads, seed, softness), foldMean);
    }

    /** Fits on {@code fitRuns}, scores every epoch of {@code scored} ([run][epoch-1], NaN where a run has no such epoch). */
    private static double[][] score(List<EvalRun> fitRuns, List<EvalRun> scored, int[] cols, int epochs, int threads, long seed,
                                    double softness) {
        double[] finals = fitRuns.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        double cut = RegressionMetrics.quantile(finals, TopRunModel.LABEL_PERCENTILE);
        Rows rows = Rows.of(fitRuns, cols);
        double[] cuts = new double[rows.rows()];
        java.util.Arrays.fill(cuts, cut);
        double[] sigmas = new double[rows.rows()];
        java.util.Arrays.fill(sigmas, TopRunModel.labelSigma(cut, finals, Double.NaN, softness));
        String text = TopRunModel.fitClassifier(rows.matrix(), cols.length, TopRunModel.softLabels(rows.targets(), cuts, sigmas),
                null, threads, seed);
        double[][] out = new double[scored.size()][epochs];
        for (double[] row : out) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        if (text == null) { // one class only: no classifier, so no run is ever judged below
            for (double[] row : out) {
                java.util.Arrays.fill(row, Double.POSITIVE_INFINITY);
            }
            return out;
        }
        Rows s = Rows.of(scored, cols);
        try (BinaryClassifier c = BinaryClassifier.load(text, cols.length)) {
            double[] p = c.probabilities(s.matrix(), s.rows());
            for (int i = 0; i < p.length; i++) {
                out[s.run()[i]][s.epoch()[i] - 1] = p[i];
            }
        }
        return out;
    }
}
