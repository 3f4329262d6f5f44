package io.weightcast.trainer;

import io.weightcast.core.model.BinaryClassifier;
import io.weightcast.core.model.TopRunModel;
import io.weightcast.core.records.TopRunRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The early-stop rule of a fit (core {@link TopRunModel}): the classifier of "finishes at or above its study's label
 * percentile" (soft labels: the study's test-set noise at the cut), fitted on the fit's training rows, and per stage of
 * training the thresholds from how low runs that did finish at or above their study's reference percentile were
 * scored there by a classifier that never saw them.
 *
 * <p><b>Cross-fitted calibration.</b> Those runs are the held-out runs, scored by the served classifier, and (with
 * {@link FitParams#conformalFolds()} ≥ 2, as the intervals) every training run, scored by a classifier fitted the same
 * way on the other training folds. On the held-out quarter alone a zoo of 200 runs has ~10 runs at or above the
 * reference, so a stage's threshold was the third-lowest of ~10 scores. The fold classifiers saw fewer runs than the
 * served one, so their scores, if anything, spread lower and the thresholds come out lower: fewer runs stopped.
 *
 * <p><b>The guard.</b> The rule carries each study's label cut and {@link FitParams#guardLevel()}: the scorer stops a
 * run only where the regressor's interval at that level ends below the cut too (core {@code TopRunRule#below}).
 * Replayed offline (eval {@code EarlyStopReplay}, eval/results/early-stop-replay.md: the 1,300-run digits zoo, 5 orders
 * × H ∈ {200, 500, 1000} history runs, 300 live runs each), the rule stopped 1 of 225 top-5% runs (tied with the first
 * run outside the top 5%) saving 0.764–0.782 of the epochs; the classifier alone stopped 5 saving 0.813–0.832, and the
 * held-out-only, unguarded rule before it 8 (rank-3 runs among them, rated low at epoch 1) saving 0.818–0.828.
 */
final class TopRunCalibrator {
    private final FitParams params;

    TopRunCalibrator(FitParams params) {
        this.params = params;
    }

    /**
     * The calibration runs' scores and which of them finished at or above their study's reference.
     *
     * @param score  [run][stage], the run's lowest probability at that stage (NaN: no checkpoint there)
     * @param good   whether the run finished at or above its study's reference percentile
     * @param stages the stages of training the rule distinguishes
     */
    record Calibration(double[][] score, boolean[] good, int stages) {
        int goodRuns() {
            return BinaryClassifier.positives(good);
        }

        Calibration plus(Calibration other) {
            double[][] s = Arrays.copyOf(score, score.length + other.score.length);
            System.arraycopy(other.score, 0, s, score.length, other.score.length);
            boolean[] g = Arrays.copyOf(good, good.length + other.good.length);
            System.arraycopy(other.good, 0, g, good.length, other.good.length);
            return new Calibration(s, g, stages);
        }
    }

    /** The rule, or null when the classifier has one class to learn or too few calibration runs reach the reference. */
    TopRunRule rule(FitData data, int stages) {
        TrainingRows trainRows = data.trainRows();
        List<ZooRun> train = data.train();
        List<ZooRun> zoo = data.zoo();
        Cuts cuts = Cuts.of(zoo);
        String text = fitClassifier(trainRows, train, cuts);
        if (text == null) {
            return null;
        }
        Calibration calibration = calibration(text, data, cuts, stages);
        if (calibration.goodRuns() < TopRunModel.MIN_CALIBRATION_RUNS) {
            return null;
        }
        List<Double> thresholds = new ArrayList<>();
        for (double t : TopRunModel.thresholds(calibration.score(), calibration.good(), TopRunModel.ALPHA)) {
            thresholds.add(Double.isFinite(t) ? t : 0.0); // no calibration run there: nothing is below 0
        }
        return new TopRunRule(TopRunModel.LABEL_PERCENTILE, TopRunModel.REFERENCE_PERCENTILE, TopRunModel.ALPHA,
                TopRunModel.CONSECUTIVE, thresholds, text, calibration.goodRuns(), cuts.label(), params.guardLevel());
    }

    /** The held-out runs scored by {@code text}, plus (cross-fitted) every training run scored by a fold classifier. */
    Calibration calibration(String text, FitData data, Cuts cuts, int stages) {
        Calibration out = scored(text, data.holdoutRows(), data.holdout(), cuts, stages);
        List<ZooRun> train = data.train();
        int k = params.conformalFolds();
        if (k < 2) {
            return out;
        }
        RunSplit hash = new RunSplit(0.5, params.seed() + 2L);
        for (int f = 0; f < k; f++) {
            List<ZooRun> in = new ArrayList<>();
            List<ZooRun> rest = new ArrayList<>();
            for (ZooRun run : train) {
                (Math.min(k - 1, (int) (hash.unit(run.runId()) * k)) == f ? in : rest).add(run);
            }
            if (in.isEmpty() || rest.size() < 2) {
                continue;
            }
            TrainingRows inRows = TrainingRows.of(in, data.columns());
            String foldText = fitClassifier(TrainingRows.of(rest, data.columns()), rest, cuts);
            if (foldText != null) {
                out = out.plus(scored(foldText, inRows, in, cuts, stages));
            }
        }
        return out;
    }

    private String fitClassifier(TrainingRows rows, List<ZooRun> runs, Cuts cuts) {
        double[] labelCuts = new double[rows.rows()];
        double[] labelSigmas = new double[rows.rows()];
        for (int i = 0; i < labelCuts.length; i++) {
            String study = runs.get(rows.runOf()[i]).study();
            labelCuts[i] = StudyReferences.of(cuts.label(), study);
            labelSigmas[i] = StudyReferences.of(cuts.sigma(), study);
        }
        return TopRunModel.fitClassifier(rows.matrix(), rows.cols(), TopRunModel.softLabels(rows.targets(), labelCuts, labelSigmas),
                rows.names().toArray(String[]::new), params.numThreads(), params.seed());
    }

    /** Each run's lowest probability per stage under {@code text}, and whether it reached its study's reference. */
    private static Calibration scored(String text, TrainingRows rows, List<ZooRun> runs, Cuts cuts, int stages) {
        double[][] score = new double[runs.size()][stages];
        for (double[] row : score) {
            Arrays.fill(row, Double.NaN);
        }
        double[] p;
        try (BinaryClassifier c = BinaryClassifier.load(text, rows.cols())) {
            p = c.probabilities(rows.matrix(), rows.rows());
        }
        for (int i = 0; i < p.length; i++) {
            int r = rows.runOf()[i];
            int s = TopRunRule.stage(rows.value(i, "step_fraction"), stages);
            score[r][s] = Double.isNaN(score[r][s]) ? p[i] : Math.min(score[r][s], p[i]); // a stage's lowest: conservative
        }
        boolean[] good = new boolean[runs.size()];
        for (int r = 0; r < good.length; r++) {
            good[r] = runs.get(r).finalAccuracy() >= StudyReferences.of(cuts.reference(), runs.get(r).study());
        }
        return new Calibration(score, good, stages);
    }

    /** A fit's split: its training and held-out runs and their rows, the whole zoo and the columns read. */
    record FitData(List<ZooRun> train, TrainingRows trainRows, List<ZooRun> holdout, TrainingRows holdoutRows, List<ZooRun> zoo,
                   FeatureColumns columns) {
    }

    /** Per study (and {@link StudyReferences#ALL_STUDIES}, = {@link TopRunRule#ALL_STUDIES}): the label cut, its soft-label σ and
     * the reference cut, from every zoo run. */
    record Cuts(Map<String, Double> label, Map<String, Double> sigma, Map<String, Double> reference) {
        static Cuts of(List<ZooRun> zoo) {
            Map<String, Double> label = StudyReferences.of(zoo, TopRunModel.LABEL_PERCENTILE);
            return new Cuts(label, StudyReferences.labelSigmas(zoo, label), StudyReferences.of(zoo, TopRunModel.REFERENCE_PERCENTILE));
        }
    }
}
