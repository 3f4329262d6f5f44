package io.weightcast.trainer;

import io.weightcast.core.model.BinaryClassifier;
import io.weightcast.core.model.Conformal;
import io.weightcast.core.model.StopRuleSelection;
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
 *
 * <p><b>Chosen on the zoo.</b> That fixed setting (share 0.25, guard at the 80% interval below the 90th percentile) lost
 * 7 of 50 top-5% runs on a zoo made by other code (eval/independent_zoo.py, 5 orders, H = 200), ranks 1 and 2 among them.
 * So by default ({@link FitParams#stopShares()} holding several shares) the share and the guard are chosen per fit by
 * core {@link StopRuleSelection}: every candidate of shares × {@link #GUARDS} is replayed on halvings of the calibration
 * runs, each scored by a classifier and predicted by a regressor that never saw it (the fold fits), and the safe candidate
 * saving the most is served.
 *
 * <p><b>Two checkpoints in a row.</b> Neither the choice nor a guard keeps a late bloomer unlike every top run the zoo
 * holds: on that zoo two runs finishing at 0.989 and 0.983 had validation accuracy 0.37 and 0.43 after epoch 1 (no top
 * run of the history started that low) and were stopped there by every share and guard tried. By epoch 2 they had
 * risen. So the fixed rule stops a run after {@link FitParams#consecutive()} (2) checkpoints in a row counted against it,
 * and the choice tries 2 and 1: replayed, 2 stopped none of the 50 top-5% runs there (saving 0.46 instead of 0.53).
 *
 * <p><b>A guard on top runs</b> ({@code trainer.early.stop.guard=top_runs}): per stage, the {@code level}-quantile of how
 * far below the cut the runs that finished at or above it were predicted, a one-sided conformal test conditioned on being
 * a top run rather than an interval calibrated on every run. It saved more at the same level on both zoos but stopped a
 * top run the interval guard kept (eval/results/early-stop-variants.md).
 */
final class TopRunCalibrator {
    /**
     * The guards the selection tries, most careful first: the interval level whose upper end must be below the study's
     * final accuracy at the percentile. The scorer carries intervals at 0.8, 0.9 and 0.95.
     */
    static final List<Guard> GUARDS = List.of(new Guard(0.95, 0.9), new Guard(0.9, 0.9), new Guard(0.8, 0.9),
            new Guard(0.95, TopRunModel.TOP_PERCENTILE), new Guard(0.9, TopRunModel.TOP_PERCENTILE),
            new Guard(0.8, TopRunModel.TOP_PERCENTILE));

    private final FitParams params;

    TopRunCalibrator(FitParams params) {
        this.params = params;
    }

    /**
     * A guard: a checkpoint counts against its run only if its prediction plus a margin per stage is below the study's
     * {@code percentile}. The margin is the half-width of the interval at {@code level} (calibrated on every run), or with
     * {@code topRuns} the {@code level}-quantile of how far below the cut runs that finished at or above it were predicted
     * there (core {@code TopRunRule#guardMargins}).
     */
    record Guard(double level, double percentile, boolean topRuns) {
        Guard(double level, double percentile) {
            this(level, percentile, false);
        }
    }

    /**
     * Calibration checkpoints, each scored by a classifier and predicted by a regressor that never saw its run.
     *
     * @param runs        the calibration runs
     * @param runOf       row → index into {@code runs}
     * @param stage       row → stage of training
     * @param probability row → P(top run)
     * @param prediction  row → predicted final accuracy (NaN: not predicted, a fixed rule needs none)
     * @param stages      the stages of training the rule distinguishes
     */
    record Calibration(List<ZooRun> runs, int[] runOf, int[] stage, double[] probability, double[] prediction, int stages) {
        Calibration plus(Calibration other) {
            List<ZooRun> all = new ArrayList<>(runs);
            all.addAll(other.runs);
            int[] r = Arrays.copyOf(runOf, runOf.length + other.runOf.length);
            for (int i = 0; i < other.runOf.length; i++) {
                r[runOf.length + i] = other.runOf[i] + runs.size();
            }
            return new Calibration(all, r, concat(stage, other.stage), concat(probability, other.probability),
                    concat(prediction, other.prediction), stages);
        }

        /** [run][stage] the lowest probability among the stage's rows that {@code counts}; NaN where none. */
        double[][] lowest(java.util.function.IntPredicate counts) {
            double[][] score = new double[runs.size()][stages];
            for (double[] row : score) {
                Arrays.fill(row, Double.NaN);
            }
            for (int i = 0; i < runOf.length; i++) {
                if (counts.test(i)) {
                    double[] row = score[runOf[i]];
                    row[stage[i]] = Double.isNaN(row[stage[i]]) ? probability[i] : Math.min(row[stage[i]], probability[i]); // conservative
                }
            }
            return score;
        }

        /** Whether each run finished at or above its study's cut. */
        boolean[] atOrAbove(Map<String, Double> cuts) {
            boolean[] out = new boolean[runs.size()];
            for (int r = 0; r < out.length; r++) {
                out[r] = runs.get(r).finalAccuracy() >= StudyReferences.of(cuts, runs.get(r).study());
            }
            return out;
        }

        /** [guard][run][stage] the lowest probability among the checkpoints each guard lets count. */
        double[][][] guarded(List<Guard> guards, List<ZooRun> zoo) {
            double[][][] out = new double[guards.size()][][];
            for (int g = 0; g < out.length; g++) {
                Guard guard = guards.get(g);
                Map<String, Double> cuts = StudyReferences.of(zoo, guard.percentile());
                double[] margin = margins(guard, cuts); // infinite: too few rows, nothing counts
                out[g] = lowest(i -> counts(i, margin, cuts));
            }
            return out;
        }

        private boolean counts(int row, double[] margin, Map<String, Double> cuts) {
            return Math.max(0, prediction[row]) + margin[stage[row]] < StudyReferences.of(cuts, runs.get(runOf[row]).study());
        }

        /**
         * Per stage, what the guard adds to a prediction before comparing it with the cut: the interval's half-width at
         * the guard's level over every row, or (top runs) the level-quantile of cut − prediction over the rows of runs that
         * finished at or above their study's cut: a top run then falls below with probability at most 1 − level there.
         */
        double[] margins(Guard guard, Map<String, Double> cuts) {
            if (!guard.topRuns()) {
                double[] abs = new double[runOf.length];
                for (int i = 0; i < abs.length; i++) {
                    abs[i] = Math.abs(runs.get(runOf[i]).finalAccuracy() - prediction[i]);
                }
                return Conformal.byStage(abs, stage, stages, guard.level());
            }
            boolean[] top = atOrAbove(cuts);
            int[] rows = java.util.stream.IntStream.range(0, runOf.length).filter(i -> top[runOf[i]]).toArray();
            double[] shortfall = Arrays.stream(rows)
                    .mapToDouble(i -> StudyReferences.of(cuts, runs.get(runOf[i]).study()) - Math.max(0, prediction[i])).toArray();
            return Conformal.byStage(shortfall, Arrays.stream(rows).map(i -> stage[i]).toArray(), stages, guard.level());
        }

        private static int[] concat(int[] a, int[] b) {
            int[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        private static double[] concat(double[] a, double[] b) {
            double[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    /** The rule, or null when the classifier has one class to learn or too few calibration runs reach the reference. */
    TopRunRule rule(FitData data, int stages) {
        List<ZooRun> zoo = data.zoo();
        Cuts cuts = Cuts.of(zoo);
        String text = fitClassifier(data.trainRows(), data.train(), cuts);
        if (text == null) {
            return null;
        }
        boolean choose = params.stopShares().size() > 1;
        Calibration calibration = calibration(text, data, cuts, stages, choose || params.guardOnTopRuns());
        boolean[] good = calibration.atOrAbove(cuts.reference());
        int goodRuns = BinaryClassifier.positives(good);
        if (goodRuns < TopRunModel.MIN_CALIBRATION_RUNS) {
            return null;
        }
        double[][] score = calibration.lowest(i -> true);
        double share = choose ? TopRunModel.ALPHA : params.stopShares().get(0);
        int consecutive = params.consecutive();
        Guard guard = new Guard(params.guardLevel(), TopRunModel.LABEL_PERCENTILE, params.guardOnTopRuns());
        StopRuleSelection.Runs runs = choose ? new StopRuleSelection.Runs(score, calibration.guarded(GUARDS, zoo), good,
                calibration.atOrAbove(cuts.top())) : null;
        if (runs != null && StopRuleSelection.judgeable(runs)) { // else the fixed rule: too few top runs to show anything
            StopRuleSelection.Choice choice = StopRuleSelection.choose(runs,
                    params.stopShares().stream().mapToDouble(Double::doubleValue).toArray(), StopRuleSelection.CONSECUTIVE,
                    StopRuleSelection.SPLITS, params.seed() + 3L);
            share = choice.share();
            consecutive = choice.consecutive();
            guard = GUARDS.get(choice.guard());
        }
        Map<String, Double> guardCuts = StudyReferences.of(zoo, guard.percentile());
        List<Double> thresholds = new ArrayList<>();
        for (double t : TopRunModel.thresholds(score, good, share)) {
            thresholds.add(Double.isFinite(t) ? t : 0.0); // no calibration run there: nothing is below 0
        }
        List<Double> margins = new ArrayList<>();
        if (guard.topRuns() && guard.level() > 0) {
            for (double m : calibration.margins(guard, guardCuts)) {
                margins.add(Double.isFinite(m) ? m : 1.0); // too few top runs there: 1 keeps every checkpoint (cut ≤ 1)
            }
        }
        return new TopRunRule(TopRunModel.LABEL_PERCENTILE, TopRunModel.REFERENCE_PERCENTILE, share, consecutive,
                thresholds, text, goodRuns, guardCuts, guard.level(), guard.percentile(), margins);
    }

    /**
     * The held-out runs scored by {@code text} (and predicted by the split fit), plus (cross-fitted) every training run scored
     * by a fold classifier (and, with {@code predict}, predicted out of fold by the regressor).
     */
    Calibration calibration(String text, FitData data, Cuts cuts, int stages, boolean predict) {
        double[] holdoutPred = predict ? data.holdoutPredictions() : null;
        Calibration out = scored(text, data.holdoutRows(), data.holdout(), holdoutPred, stages);
        List<ZooRun> train = data.train();
        int k = params.conformalFolds();
        if (k < 2) {
            return out;
        }
        RunSplit hash = new RunSplit(0.5, params.seed() + 2L);
        Map<String, double[]> predicted = predict ? byRun(train, data.trainPredictions()) : Map.of();
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
                out = out.plus(scored(foldText, inRows, in, predict ? rowsOf(in, predicted) : null, stages));
            }
        }
        return out;
    }

    /** Each run's slice of {@code rowPredictions} (rows in run order, as {@code TrainingRows.of(runs)}). */
    private static Map<String, double[]> byRun(List<ZooRun> runs, double[] rowPredictions) {
        Map<String, double[]> out = new java.util.HashMap<>();
        int row = 0;
        for (ZooRun run : runs) {
            int n = run.checkpoints().size();
            out.put(run.runId(), Arrays.copyOfRange(rowPredictions, row, row + n));
            row += n;
        }
        return out;
    }

    /** The predictions of {@code runs}' rows, in {@code TrainingRows.of(runs)} order. */
    private static double[] rowsOf(List<ZooRun> runs, Map<String, double[]> predicted) {
        return runs.stream().flatMapToDouble(r -> Arrays.stream(predicted.get(r.runId()))).toArray();
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

    /** The rows of {@code runs} scored by {@code text}, with their predictions (null: NaN). */
    private static Calibration scored(String text, TrainingRows rows, List<ZooRun> runs, double[] predictions, int stages) {
        double[] p;
        try (BinaryClassifier c = BinaryClassifier.load(text, rows.cols())) {
            p = c.probabilities(rows.matrix(), rows.rows());
        }
        int[] stage = new int[rows.rows()];
        for (int i = 0; i < stage.length; i++) {
            stage[i] = TopRunRule.stage(rows.value(i, "step_fraction"), stages);
        }
        double[] pred = predictions;
        if (pred == null) {
            pred = new double[rows.rows()];
            Arrays.fill(pred, Double.NaN);
        }
        return new Calibration(List.copyOf(runs), rows.runOf().clone(), stage, p, pred, stages);
    }

    /**
     * A fit's split: its training and held-out runs and their rows, the whole zoo and the columns read; the split fit's
     * predictions of the held-out rows and the training rows' out-of-fold predictions (the guard's; null when the rule is
     * fixed).
     */
    record FitData(List<ZooRun> train, TrainingRows trainRows, List<ZooRun> holdout, TrainingRows holdoutRows, List<ZooRun> zoo,
                   FeatureColumns columns, double[] holdoutPredictions, double[] trainPredictions) {
    }

    /** Per study (and {@link StudyReferences#ALL_STUDIES}, = {@link TopRunRule#ALL_STUDIES}): the label cut, its soft-label σ,
     * the reference cut and the top cut, from every zoo run. */
    record Cuts(Map<String, Double> label, Map<String, Double> sigma, Map<String, Double> reference, Map<String, Double> top) {
        static Cuts of(List<ZooRun> zoo) {
            Map<String, Double> label = StudyReferences.of(zoo, TopRunModel.LABEL_PERCENTILE);
            return new Cuts(label, StudyReferences.labelSigmas(zoo, label), StudyReferences.of(zoo, TopRunModel.REFERENCE_PERCENTILE),
                    StudyReferences.of(zoo, TopRunModel.TOP_PERCENTILE));
        }
    }
}
