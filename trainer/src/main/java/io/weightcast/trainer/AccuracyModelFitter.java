package io.weightcast.trainer;

import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.model.ChanceFloorModel;
import io.weightcast.core.model.Conformal;
import io.weightcast.core.model.FeatureMatrix;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.records.ChanceFloor;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.StageModel;
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
 * <p>Late checkpoints (the last quarter of training) are served by a regressor fitted on the late rows alone
 * ({@link StageModel}) unless it does worse than the pooled one on the held-out runs' late checkpoints: on the
 * 1,300-run digits zoo (eval PredictorConfigStudy) it raised the final checkpoint's R² from 0.976 to 0.992 with 200
 * zoo runs and from 0.901 to 0.975 with 50. Everything downstream (holdout metrics, intervals, fold models) uses
 * the combined predictor, as the scorer does.
 *
 * <p>Intervals are conformal per stage of training: the half-width for level p at a stage is the
 * conformal p-quantile of |residual| over that stage's calibration rows (one per run, so the
 * finite-sample guarantee holds per stage). The calibration rows are the holdout rows, predicted by
 * the published model, and (cross-conformal, {@link FitParams#conformalFolds()}) every training
 * run's rows predicted by a model fitted on the other folds. The p-quantile over all calibration
 * rows is kept as the fallback for stages with too few rows and for checkpoints of unknown stage.
 */
public final class AccuracyModelFitter {
    static final double[] INTERVAL_LEVELS = {0.8, 0.9, 0.95}; // 0.9: the scorer's early-stop rule
    static final int MAX_TAU_ROWS = 5000;
    /** Where the late-stage regressor takes over ({@link StageModel#fromStepFraction()}): the last quarter of training. */
    static final double LATE_FROM = 0.75;
    /** Fewer training runs with late checkpoints than this get no late-stage regressor. */
    static final int MIN_LATE_RUNS = 10;

    private final FitParams params;
    /** The last out-of-fold predictions: the early-stop rule's selection and the intervals' calibration share them. */
    private final java.util.concurrent.atomic.AtomicReference<OutOfFold> lastOutOfFold = new java.util.concurrent.atomic.AtomicReference<>();

    /** Out-of-fold predictions of some training runs' rows, with what they depend on (the very runs: labels included). */
    private record OutOfFold(List<ZooRun> runs, FeatureColumns columns, boolean late, double[] predictions) {
        boolean of(List<ZooRun> train, FeatureColumns cols, boolean lateModels) {
            if (late != lateModels || !columns.equals(cols) || runs.size() != train.size()) {
                return false;
            }
            for (int i = 0; i < runs.size(); i++) {
                if (runs.get(i) != train.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    public AccuracyModelFitter(FitParams params) {
        this.params = params;
    }

    /** {@link #fitSplit(List, FeatureColumns)} on the layout's columns. */
    public FitResult fitSplit(List<ZooRun> zoo) {
        return fitSplit(zoo, FeatureColumns.layout());
    }

    public FitResult fit(List<ZooRun> zoo) {
        return fit(zoo, FeatureColumns.layout());
    }

    /** Fits on {@code columns}: the layout, or the layout + an encoder's z; intervals as {@link #calibrated}. */
    FitResult fit(List<ZooRun> zoo, FeatureColumns columns) {
        return calibrated(fitSplit(zoo, columns), zoo);
    }

    /**
     * The fit with its intervals calibrated on its held-out runs alone (split-conformal): for comparing candidates,
     * whose intervals nobody reads, before {@link #calibrated} calibrates the one that is served.
     */
    FitResult fitSplit(List<ZooRun> zoo, FeatureColumns columns) {
        long t0 = System.nanoTime();
        RunSplit.Sides<ZooRun> sides = new RunSplit(params.holdoutFraction(), params.seed()).apply(zoo, ZooRun::runId);
        List<ZooRun> train = sides.train();
        List<ZooRun> holdout = sides.holdout();

        TrainingRows trainRows = TrainingRows.of(train, columns);
        String modelText = train(trainRows);
        ChanceFloor floor = chanceFloor(trainRows, train);
        TrainingRows holdoutRows = TrainingRows.of(holdout, columns);
        double[] pooled = predict(columns.template(modelText, floor), holdoutRows);
        List<StageModel> late = lateModels(trainRows);
        double[] pred = late.isEmpty() ? pooled : predict(columns.template(modelText, floor, late), holdoutRows);
        if (!late.isEmpty() && lateError(holdoutRows, pred) > lateError(holdoutRows, pooled)) {
            late = List.of(); // worse on the held-out runs' late checkpoints than the pooled model: not served
            pred = pooled;
        }
        boolean useLate = !late.isEmpty();
        Map<String, HoldoutMetrics> ablations = new LinkedHashMap<>();
        if (params.ablateSpectra()) {
            ablations.put("spectra", without(FeatureLayout::isSpectralFeature, trainRows, holdoutRows, holdout.size(), columns, train,
                    useLate));
        }
        if (columns.hasEmbedding()) {
            ablations.put("embedding", without(n -> n.startsWith(ModelVersion.EMBEDDING_PREFIX), trainRows, holdoutRows,
                    holdout.size(), columns, train, useLate));
            ablations.put("statistics", without(n -> !n.startsWith(ModelVersion.EMBEDDING_PREFIX), trainRows, holdoutRows,
                    holdout.size(), columns, train, useLate));
        }

        HoldoutMetrics headline = metrics(holdoutRows, pred, true, holdout.size());
        HoldoutMetrics allRows = metrics(holdoutRows, pred, false, holdout.size());
        int stages = plannedSteps(holdoutRows);
        Residuals calibration = Residuals.of(holdoutRows, pred, stages, holdout.size());
        double[] trainPred = (params.stopShares().size() > 1 || params.guardOnTopRuns())
                && params.conformalFolds() >= 2
                ? outOfFoldPredictions(train, columns, useLate) : null; // the early-stop guards need them
        TopRunRule topRun = new TopRunCalibrator(params).rule(new TopRunCalibrator.FitData(train, trainRows, holdout, holdoutRows,
                zoo, columns, pred, trainPred), stages);
        return new FitResult(modelText, floor, topRun, train.size(), trainRows.rows(), headline, allRows,
                pooledQuantiles(calibration), stageQuantiles(calibration, stages), calibration.runs(),
                (System.nanoTime() - t0) / 1e9, holdout.stream().map(ZooRun::runId).toList(), holdoutRows, ablations, columns,
                holdout, late, null);
    }

    /**
     * The model to serve: {@code fit}'s regressor, chance floor and (if it has one) late-stage regressor fitted again,
     * with the same settings, on every zoo run, its held-out runs included. The held-out quarter is what tells a fit's
     * quality, but on a small zoo it is a quarter of the data the served model never learns from: on the 1,300-run
     * digits zoo (200 runs as history, 100 live) a fit on three quarters served final-checkpoint R² 0.966, one on 90%
     * 0.993. The held-out metrics, the intervals (calibrated on runs the split fit and the fold fits never saw, so at
     * worst a little wide for a model that saw more) and the early-stop rule (its thresholds calibrated on the held-out
     * runs) stay those of {@code fit}, which the result keeps as {@link FitResult#split()}.
     */
    public FitResult servedOnAll(FitResult fit, List<ZooRun> zoo) {
        long t0 = System.nanoTime();
        TrainingRows all = TrainingRows.of(zoo, fit.columns());
        List<StageModel> late = fit.stageModels().isEmpty() ? List.of() : lateModels(all);
        return fit.servedAs(train(all), chanceFloor(all, zoo), late, fit.seconds() + (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The late-stage regressor ({@link StageModel}): fitted on the rows at {@code step_fraction} >= {@value #LATE_FROM}
     * alone, where a model of every checkpoint gives a small zoo's few late rows little weight; empty when fewer than
     * {@value #MIN_LATE_RUNS} runs have such rows.
     */
    private List<StageModel> lateModels(TrainingRows rows) {
        TrainingRows lateRows = rows.select(i -> isLate(rows, i));
        long runs = java.util.Arrays.stream(lateRows.runOf()).distinct().count();
        return runs < MIN_LATE_RUNS ? List.of() : List.of(new StageModel(LATE_FROM, train(lateRows)));
    }

    private static boolean isLate(TrainingRows rows, int i) {
        double f = rows.value(i, "step_fraction");
        return Double.isFinite(f) && f >= LATE_FROM;
    }

    /** Mean squared error of {@code pred} over the late rows (0 when there is none). */
    private static double lateError(TrainingRows rows, double[] pred) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < rows.rows(); i++) {
            if (isLate(rows, i)) {
                double e = rows.targets()[i] - pred[i];
                sum += e * e;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /**
     * The fit with its intervals calibrated on every zoo run (cross-conformal): its held-out runs' residuals plus the
     * training runs' out-of-fold residuals ({@link #outOfFold}); the fit itself when {@link FitParams#conformalFolds()}
     * is below 2.
     */
    public FitResult calibrated(FitResult fit, List<ZooRun> zoo) {
        if (params.conformalFolds() < 2) {
            return fit;
        }
        long t0 = System.nanoTime();
        java.util.Set<String> held = new java.util.HashSet<>(fit.holdoutRunIds());
        List<ZooRun> train = zoo.stream().filter(r -> !held.contains(r.runId())).toList();
        TrainingRows holdoutRows = fit.holdoutData();
        int stages = plannedSteps(holdoutRows);
        double[] pred = predict(fit.columns().template(fit.modelText(), fit.chanceFloor(), fit.stageModels()), holdoutRows);
        Residuals calibration = Residuals.of(holdoutRows, pred, stages, fit.holdoutRunIds().size())
                .plus(outOfFold(train, fit.columns(), stages, !fit.stageModels().isEmpty()));
        return fit.withCalibration(pooledQuantiles(calibration), stageQuantiles(calibration, stages), calibration.runs(),
                fit.seconds() + (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, Double> pooledQuantiles(Residuals calibration) {
        Map<String, Double> quantiles = new LinkedHashMap<>();
        for (double level : INTERVAL_LEVELS) {
            quantiles.put(Double.toString(level), RegressionMetrics.quantile(calibration.abs(), level));
        }
        return quantiles;
    }

    /** Calibration residuals: |target − prediction| of rows the predicting model never saw, and each row's stage (−1: unknown). */
    record Residuals(double[] abs, int[] stage, int runs) {
        static Residuals of(TrainingRows rows, double[] pred, int stages, int runs) {
            double[] abs = new double[rows.rows()];
            int[] stage = new int[rows.rows()];
            for (int i = 0; i < abs.length; i++) {
                abs[i] = Math.abs(rows.targets()[i] - pred[i]);
                double f = rows.value(i, "step_fraction");
                stage[i] = Double.isFinite(f) ? TopRunRule.stage(f, stages) : -1;
            }
            return new Residuals(abs, stage, runs);
        }

        Residuals plus(Residuals other) {
            double[] a = java.util.Arrays.copyOf(abs, abs.length + other.abs.length);
            System.arraycopy(other.abs, 0, a, abs.length, other.abs.length);
            int[] s = java.util.Arrays.copyOf(stage, stage.length + other.stage.length);
            System.arraycopy(other.stage, 0, s, stage.length, other.stage.length);
            return new Residuals(a, s, runs + other.runs);
        }
    }

    /**
     * Cross-conformal residuals of the training runs: {@link FitParams#conformalFolds()} folds by run (a seeded hash of
     * the run id, as the split), each fold predicted by a model (and chance floor) fitted on the other folds the way
     * the published one is. With them the intervals are calibrated on every zoo run rather than the held-out quarter:
     * per stage four times the runs, so their coverage wanders less from zoo to zoo and a small zoo gets per-stage
     * 95% intervals (which need 19 runs per stage) where its held-out runs alone could not. The fold models saw a
     * little fewer runs than the published one, so their residuals, if anything, widen the intervals. Folds whose
     * complement has fewer than 2 runs are skipped.
     */
    private Residuals outOfFold(List<ZooRun> train, FeatureColumns columns, int stages, boolean late) {
        TrainingRows rows = TrainingRows.of(train, columns);
        double[] pred = outOfFoldPredictions(train, columns, late);
        int[] keep = java.util.stream.IntStream.range(0, rows.rows()).filter(i -> Double.isFinite(pred[i])).toArray();
        java.util.Set<Integer> runs = new java.util.HashSet<>();
        for (int i : keep) {
            runs.add(rows.runOf()[i]);
        }
        java.util.Set<Integer> kept = java.util.Arrays.stream(keep).boxed().collect(java.util.stream.Collectors.toSet());
        return Residuals.of(rows.select(kept::contains), java.util.Arrays.stream(keep).mapToDouble(i -> pred[i]).toArray(), stages,
                runs.size());
    }

    /**
     * Each training row predicted by a regressor fitted on the other {@link FitParams#conformalFolds()} folds (by run), in
     * {@code TrainingRows.of(train, columns)} order; NaN for a fold whose rest is too small to fit. Kept for the next call
     * with the same runs: the split fit's early-stop selection and the served fit's intervals both use them.
     */
    double[] outOfFoldPredictions(List<ZooRun> train, FeatureColumns columns, boolean late) {
        OutOfFold last = lastOutOfFold.get();
        if (last != null && last.of(train, columns, late)) {
            return last.predictions();
        }
        int k = params.conformalFolds();
        RunSplit hash = new RunSplit(0.5, params.seed() + 1L);
        int[] fold = new int[train.size()];
        int[] firstRow = new int[train.size() + 1];
        for (int r = 0; r < fold.length; r++) {
            fold[r] = Math.min(k - 1, (int) (hash.unit(train.get(r).runId()) * k));
            firstRow[r + 1] = firstRow[r] + train.get(r).checkpoints().size();
        }
        double[] out = new double[firstRow[train.size()]];
        java.util.Arrays.fill(out, Double.NaN);
        for (int f = 0; f < k; f++) {
            List<ZooRun> in = new ArrayList<>();
            List<Integer> inIndex = new ArrayList<>();
            List<ZooRun> rest = new ArrayList<>();
            for (int r = 0; r < fold.length; r++) {
                if (fold[r] == f) {
                    in.add(train.get(r));
                    inIndex.add(r);
                } else {
                    rest.add(train.get(r));
                }
            }
            if (in.isEmpty() || rest.size() < 2) {
                continue;
            }
            double[] pred = fitAndPredict(rest, TrainingRows.of(in, columns), columns, late);
            int row = 0;
            for (int r : inIndex) {
                for (int i = firstRow[r]; i < firstRow[r + 1]; i++) {
                    out[i] = pred[row++];
                }
            }
        }
        lastOutOfFold.set(new OutOfFold(List.copyOf(train), columns, late, out));
        return out;
    }

    /** The regressor (and, with {@code late}, its late-stage model) fitted on {@code fitRuns}, predicting {@code rows}. */
    private double[] fitAndPredict(List<ZooRun> fitRuns, TrainingRows rows, FeatureColumns columns, boolean late) {
        TrainingRows fitRows = TrainingRows.of(fitRuns, columns);
        return predict(columns.template(train(fitRows), chanceFloor(fitRows, fitRuns), late ? lateModels(fitRows) : null), rows);
    }

    /**
     * Per stage of training (the held-out rows' most common planned_steps stages, as the early-stop rule's), level →
     * the conformal half-width of that stage's calibration rows (core {@link Conformal}); a level the stage has too
     * few rows for is left out, so the scorer uses the pooled one there. Empty when no row knows its step fraction.
     */
    static List<Map<String, Double>> stageQuantiles(Residuals calibration, int stages) {
        List<Map<String, Double>> out = new ArrayList<>();
        if (java.util.Arrays.stream(calibration.stage()).allMatch(st -> st < 0)) {
            return out;
        }
        for (int s = 0; s < stages; s++) {
            out.add(new LinkedHashMap<>());
        }
        for (double level : INTERVAL_LEVELS) {
            double[] q = Conformal.byStage(calibration.abs(), calibration.stage(), stages, level);
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
                                   int holdoutRuns, FeatureColumns columns, List<ZooRun> trainRuns, boolean late) {
        TrainingRows blankTrain = train.without(drop);
        TrainingRows blankHoldout = holdout.without(drop);
        ChanceFloor floor = chanceFloor(blankTrain, trainRuns);
        ModelVersion blank = columns.template(train(blankTrain), floor, late ? lateModels(blankTrain) : null);
        return metrics(blankHoldout, predict(blank, blankHoldout), true, holdoutRuns);
    }

    /** The stages of the rule and intervals: the held-out checkpoints' most common planned_steps (1 to 100). */
    static int plannedSteps(TrainingRows rows) {
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
        return ChanceFloorModel.fit(new FeatureMatrix(rows.matrix(), rows.rows(), rows.cols(),
                rows.names().toArray(String[]::new)), rows.targets(), level.getAsDouble(),
                ChanceFloorModel.runsAt(finals, level.getAsDouble()), params.numThreads(), params.seed());
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

    /** LightGBM parameters of the regressor ({@link FitParams#booster()}) for a fit on {@code rows} rows. */
    String lightGbmParams(int rows) {
        return params.booster().lightGbmParams(rows, params.numThreads(), params.seed());
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
            for (int i = 0; i < params.booster().iterations(); i++) {
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
