package io.weightcast.trainer;

import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.model.BinaryClassifier;
import io.weightcast.core.model.ChanceFloorModel;
import io.weightcast.core.model.Conformal;
import io.weightcast.core.model.TopRunModel;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.records.ChanceFloor;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Fits the final-accuracy regressor (design §6) on zoo runs: split by run ({@link RunSplit}),
 * LightGBM regression on every train checkpoint, then evaluation on the holdout runs through
 * {@link AccuracyModel#load} — the exact path the scorer uses, so the metrics describe the
 * published text (clipping to [0, 1] included), not the in-memory booster.
 *
 * <p>Intervals are split-conformal per stage of training: the half-width for level p at a stage is
 * the conformal p-quantile of |residual| over the holdout rows of that stage (one per run, so the
 * finite-sample guarantee holds per stage). The p-quantile over all holdout rows is kept as the
 * fallback for stages with too few rows and for checkpoints of unknown stage.
 */
public final class AccuracyModelFitter {
    static final double[] INTERVAL_LEVELS = {0.8, 0.9, 0.95}; // 0.9: the scorer's early-stop rule
    static final int MAX_TAU_ROWS = 5000;

    private final FitParams params;

    public AccuracyModelFitter(FitParams params) {
        this.params = params;
    }

    public FitResult fit(List<ZooRun> zoo) {
        return fit(zoo, FeatureColumns.layout());
    }

    /** Fits on {@code columns}: the layout, or the layout + an encoder's z. */
    FitResult fit(List<ZooRun> zoo, FeatureColumns columns) {
        long t0 = System.nanoTime();
        RunSplit.Sides<ZooRun> sides = new RunSplit(params.holdoutFraction(), params.seed()).apply(zoo, ZooRun::runId);
        List<ZooRun> train = sides.train();
        List<ZooRun> holdout = sides.holdout();

        TrainingRows trainRows = TrainingRows.of(train, columns);
        String modelText = train(trainRows);
        ChanceFloor floor = chanceFloor(trainRows, train);
        TrainingRows holdoutRows = TrainingRows.of(holdout, columns);
        double[] pred = predict(columns.template(modelText, floor), holdoutRows);
        Map<String, HoldoutMetrics> ablations = new LinkedHashMap<>();
        if (params.ablateSpectra()) {
            ablations.put("spectra", without(FeatureLayout::isSpectralFeature, trainRows, holdoutRows, holdout.size(), columns, train));
        }
        if (columns.hasEmbedding()) {
            ablations.put("embedding", without(n -> n.startsWith(ModelVersion.EMBEDDING_PREFIX), trainRows, holdoutRows,
                    holdout.size(), columns, train));
            ablations.put("statistics", without(n -> !n.startsWith(ModelVersion.EMBEDDING_PREFIX), trainRows, holdoutRows,
                    holdout.size(), columns, train));
        }

        HoldoutMetrics headline = metrics(holdoutRows, pred, true, holdout.size());
        HoldoutMetrics allRows = metrics(holdoutRows, pred, false, holdout.size());
        double[] absResiduals = new double[holdoutRows.rows()];
        for (int i = 0; i < absResiduals.length; i++) {
            absResiduals[i] = Math.abs(holdoutRows.targets()[i] - pred[i]);
        }
        Map<String, Double> quantiles = new LinkedHashMap<>();
        for (double level : INTERVAL_LEVELS) {
            quantiles.put(Double.toString(level), RegressionMetrics.quantile(absResiduals, level));
        }
        TopRunRule topRun = topRunRule(trainRows, train, holdoutRows, holdout, zoo);
        return new FitResult(modelText, floor, topRun, train.size(), trainRows.rows(), headline, allRows, quantiles,
                stageQuantiles(holdoutRows, absResiduals), (System.nanoTime() - t0) / 1e9,
                holdout.stream().map(ZooRun::runId).toList(), holdoutRows, ablations, columns, holdout);
    }

    /**
     * Per stage of training (the held-out rows' most common planned_steps stages, as the early-stop rule's), level →
     * the conformal half-width of that stage's held-out rows (core {@link Conformal}); a level the stage has too few
     * rows for is left out, so the scorer uses the pooled one there. Empty when no row knows its step fraction.
     */
    static List<Map<String, Double>> stageQuantiles(TrainingRows holdoutRows, double[] absResiduals) {
        int stages = plannedSteps(holdoutRows);
        int[] stage = new int[holdoutRows.rows()];
        boolean any = false;
        for (int i = 0; i < stage.length; i++) {
            double f = holdoutRows.value(i, "step_fraction");
            stage[i] = Double.isFinite(f) ? TopRunRule.stage(f, stages) : -1;
            any |= stage[i] >= 0;
        }
        List<Map<String, Double>> out = new ArrayList<>();
        if (!any) {
            return out;
        }
        for (int s = 0; s < stages; s++) {
            out.add(new LinkedHashMap<>());
        }
        for (double level : INTERVAL_LEVELS) {
            double[] q = Conformal.byStage(absResiduals, stage, stages, level);
            for (int s = 0; s < stages; s++) {
                if (Double.isFinite(q[s])) {
                    out.get(s).put(Double.toString(level), q[s]);
                }
            }
        }
        return out;
    }

    /**
     * The same fit with some columns blanked (NaN: LightGBM then never splits on them), on the same
     * split: the difference to the headline metrics is what those columns add.
     */
    private HoldoutMetrics without(java.util.function.Predicate<String> drop, TrainingRows train, TrainingRows holdout,
                                   int holdoutRuns, FeatureColumns columns, List<ZooRun> trainRuns) {
        TrainingRows blankTrain = train.without(drop);
        TrainingRows blankHoldout = holdout.without(drop);
        ChanceFloor floor = chanceFloor(blankTrain, trainRuns);
        return metrics(blankHoldout, predict(columns.template(train(blankTrain), floor), blankHoldout), true, holdoutRuns);
    }

    /**
     * The early-stop rule (core {@link TopRunModel}): the classifier of "finishes at or above its study's
     * label percentile" (soft labels: the study's test-set noise at the cut), fitted on the training rows, and per stage of training the thresholds from the
     * held-out runs' probabilities (those at or above their study's reference percentile). Null when the
     * classifier has one class to learn or fewer than {@link TopRunModel#MIN_CALIBRATION_RUNS} held-out runs
     * reach the reference: the scorer then judges by the interval.
     */
    private TopRunRule topRunRule(TrainingRows trainRows, List<ZooRun> train, TrainingRows holdoutRows, List<ZooRun> holdout,
                                  List<ZooRun> zoo) {
        Map<String, Double> labelCut = StudyReferences.of(zoo, TopRunModel.LABEL_PERCENTILE);
        Map<String, Double> referenceCut = StudyReferences.of(zoo, TopRunModel.REFERENCE_PERCENTILE);
        Map<String, Double> labelSigma = StudyReferences.labelSigmas(zoo, labelCut);
        double[] labelCuts = new double[trainRows.rows()];
        double[] labelSigmas = new double[trainRows.rows()];
        for (int i = 0; i < labelCuts.length; i++) {
            String study = train.get(trainRows.runOf()[i]).study();
            labelCuts[i] = StudyReferences.of(labelCut, study);
            labelSigmas[i] = StudyReferences.of(labelSigma, study);
        }
        String text = TopRunModel.fitClassifier(trainRows.matrix(), trainRows.cols(),
                TopRunModel.softLabels(trainRows.targets(), labelCuts, labelSigmas), trainRows.names().toArray(String[]::new),
                params.numThreads(), params.seed());
        if (text == null) {
            return null;
        }
        boolean[] good = new boolean[holdout.size()];
        for (int r = 0; r < good.length; r++) {
            good[r] = holdout.get(r).finalAccuracy() >= StudyReferences.of(referenceCut, holdout.get(r).study());
        }
        int calibration = BinaryClassifier.positives(good);
        if (calibration < TopRunModel.MIN_CALIBRATION_RUNS) {
            return null;
        }
        int stages = plannedSteps(holdoutRows);
        double[][] score = new double[holdout.size()][stages];
        for (double[] row : score) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        double[] p;
        try (BinaryClassifier c = BinaryClassifier.load(text, holdoutRows.cols())) {
            p = c.probabilities(holdoutRows.matrix(), holdoutRows.rows());
        }
        for (int i = 0; i < p.length; i++) {
            int r = holdoutRows.runOf()[i];
            int s = TopRunRule.stage(holdoutRows.value(i, "step_fraction"), stages);
            score[r][s] = Double.isNaN(score[r][s]) ? p[i] : Math.min(score[r][s], p[i]); // a stage's lowest: conservative
        }
        List<Double> thresholds = new ArrayList<>();
        for (double t : TopRunModel.thresholds(score, good, TopRunModel.ALPHA)) {
            thresholds.add(Double.isFinite(t) ? t : 0.0); // no calibration run there: nothing is below 0
        }
        return new TopRunRule(TopRunModel.LABEL_PERCENTILE, TopRunModel.REFERENCE_PERCENTILE, TopRunModel.ALPHA,
                TopRunModel.CONSECUTIVE, thresholds, text, calibration);
    }

    /** The stages of the rule: the held-out checkpoints' most common planned_steps (1 to 100). */
    private static int plannedSteps(TrainingRows rows) {
        Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < rows.rows(); i++) {
            double v = rows.value(i, "planned_steps");
            if (Double.isFinite(v) && v >= 1) {
                counts.merge((int) Math.min(100, Math.round(v)), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(1);
    }

    /**
     * The chance floor on these rows (core {@link ChanceFloorModel}): null when the training runs show no
     * chance level (too few runs ending exactly at one low value) or all rows are on one side of it.
     */
    private ChanceFloor chanceFloor(TrainingRows rows, List<ZooRun> runs) {
        double[] finals = runs.stream().mapToDouble(ZooRun::finalAccuracy).toArray();
        OptionalDouble level = ChanceFloorModel.level(finals);
        if (level.isEmpty()) {
            return null;
        }
        return ChanceFloorModel.fit(rows.matrix(), rows.rows(), rows.cols(), rows.targets(), level.getAsDouble(),
                ChanceFloorModel.runsAt(finals, level.getAsDouble()), rows.names().toArray(String[]::new),
                params.numThreads(), params.seed());
    }

    /**
     * Another model's headline metrics (final checkpoint) on the fit's held-out runs, computed as
     * the candidate's own {@link FitResult#holdout()} is, so the two are comparable run for run.
     */
    public static HoldoutMetrics evaluate(AccuracyModel model, FitResult fit) {
        ModelVersion mv = model.version();
        boolean sameColumns = mv.featureNames().equals(fit.columns().names())
                && java.util.Objects.equals(mv.encoderVersion(), fit.columns().encoderVersion());
        TrainingRows rows = sameColumns ? fit.holdoutData()
                : TrainingRows.of(fit.holdoutRuns(), FeatureColumns.of(mv, fit.columns().embeddings()));
        return metrics(rows, model.predict(rows.matrix(), rows.rows()), true, fit.holdoutRunIds().size());
    }

    /** LightGBM parameters; {@code min_data_in_leaf} shrinks with the data so small zoos still split. */
    String lightGbmParams(int rows) {
        int minDataInLeaf = Math.max(1, Math.min(20, rows / 10));
        return "objective=regression metric=l2"
                + " num_threads=" + params.numThreads()
                + " learning_rate=0.05 num_leaves=15"
                + " min_data_in_leaf=" + minDataInLeaf
                + " feature_fraction=0.9 bagging_fraction=0.8 bagging_freq=1"
                // 63 bins: a third of the default 255's fit time here; thousands of rows do not
                // support finer thresholds anyway
                + " max_bin=63"
                + " seed=" + params.seed()
                // same rows + seed → same model, so a replayed fit reproduces its decision
                + " deterministic=true force_row_wise=true"
                // min_data_in_leaf varies per fit; keep every feature available to the binner
                + " feature_pre_filter=false"
                + " verbose=-1";
    }

    private String train(TrainingRows rows) {
        String p = lightGbmParams(rows.rows());
        LGBMDataset dataset = null;
        LGBMBooster booster = null;
        try {
            dataset = LGBMDataset.createFromMat(rows.matrix(), rows.rows(), rows.cols(), true, p, null);
            dataset.setField("label", rows.labels());
            dataset.setFeatureNames(rows.names().toArray(String[]::new));
            booster = LGBMBooster.create(dataset, p);
            for (int i = 0; i < params.numIterations(); i++) {
                if (booster.updateOneIter()) {
                    break; // no split improves any more
                }
            }
            return booster.saveModelToString(0, 0, LGBMBooster.FeatureImportanceType.SPLIT);
        } catch (LGBMException e) {
            throw new IllegalStateException("LightGBM fit failed on " + rows.rows() + " rows: " + e.getMessage(), e);
        } finally {
            free(booster, dataset);
        }
    }

    private static double[] predict(ModelVersion provisional, TrainingRows rows) {
        try (AccuracyModel model = AccuracyModel.load(provisional)) {
            return model.predict(rows.matrix(), rows.rows());
        }
    }

    private static HoldoutMetrics metrics(TrainingRows rows, double[] pred, boolean finalOnly, int runs) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < rows.rows(); i++) {
            if (!finalOnly || rows.finalRow()[i]) {
                idx.add(i);
            }
        }
        double[] y = new double[idx.size()];
        double[] p = new double[idx.size()];
        for (int k = 0; k < y.length; k++) {
            y[k] = rows.targets()[idx.get(k)];
            p[k] = pred[idx.get(k)];
        }
        // τ is O(n²): over every holdout row of a large zoo it would dominate the fit, so it is
        // only computed up to MAX_TAU_ROWS (the headline τ is over holdout runs, far fewer)
        double tau = y.length <= MAX_TAU_ROWS ? RegressionMetrics.kendallTau(y, p) : Double.NaN;
        return new HoldoutMetrics(RegressionMetrics.r2(y, p), RegressionMetrics.mae(y, p), tau, runs, rows.rows());
    }

    private static void free(LGBMBooster booster, LGBMDataset dataset) {
        try {
            if (booster != null) {
                booster.close();
            }
            if (dataset != null) {
                dataset.close();
            }
        } catch (LGBMException e) {
            // freeing native memory of a finished fit: nothing to recover
        }
    }
}
