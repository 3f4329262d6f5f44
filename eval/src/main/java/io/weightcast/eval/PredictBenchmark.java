package io.weightcast.eval;

import io.weightcast.eval.earlystop.EarlyStopOutcome;
import io.weightcast.eval.earlystop.TopQuantileStopRule;
import io.weightcast.eval.earlystop.TopRunScores;
import io.weightcast.eval.earlystop.OptunaReplay;
import io.weightcast.eval.earlystop.ArrivalOrders;
import io.weightcast.eval.earlystop.EarlyStopBenchmark;
import io.weightcast.core.model.ChanceFloorModel;
import io.weightcast.core.model.Conformal;
import io.weightcast.trainer.RunSplit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * {@code weightcast eval} (issue 6): on a zoo directory, predictors of the final test accuracy per
 * epoch and feature set, calibrated intervals, the early-stopping replay against Optuna's pruners,
 * the dying-ReLU flag against measured dead units, and transfer to a second zoo.
 *
 * <p>Protocol: runs split by run into training and held-out (test) runs ({@link RunSplit}, seeded);
 * everything tuned, fitted or calibrated sees the training runs only; every reported number is
 * on the held-out runs (the dying-ReLU weight rule, which fits nothing, on every ReLU run).
 */
public final class PredictBenchmark {
    public static final int MIN_RUNS = 10;
    static final double[] INTERVAL_LEVELS = EarlyStopBenchmark.LEVELS;

    /**
     * The results, what the plots need, and the per-run scores behind the early-stop replay
     * ({@code predict-scores.json.gz}: to try another rule without refitting anything).
     */
    public record Result(Map<String, Object> json, Plots plots, Map<String, Object> scores) {
    }

    /**
     * @param testFinals  held-out runs' final accuracy
     * @param predAll     [run][epoch-1] the "all" predictor on the held-out runs
     * @param r2BySet     feature set → R² per epoch
     * @param coverage    level → per epoch coverage on held-out runs
     * @param sweeps      policy → its settings' outcomes
     * @param best        policy → the chosen setting
     */
    public record Plots(int epochs, double[] testFinals, double[][] predAll, Map<String, double[]> r2BySet,
                        Map<Double, double[]> coverage, Map<String, List<EarlyStopBenchmark.Scored>> sweeps,
                        Map<String, EarlyStopBenchmark.Scored> best) {
    }

    private final EvalOptions o;
    private final Progress progress;
    private final Consumer<String> say;

    public PredictBenchmark(EvalOptions options, Progress progress, Consumer<String> say) {
        this.o = options;
        this.progress = progress;
        this.say = say;
    }

    public Result run() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Map<String, Object> json = new LinkedHashMap<>();
        ZooLoader.Loaded zoo = ZooLoader.load(o.zoo(), o.allowPartial(), o.useCache(), o.threads(), progress);
        if (zoo.runs().size() < MIN_RUNS) {
            throw new IllegalArgumentException("zoo " + o.zoo() + " has " + zoo.runs().size() + " usable runs; the benchmark needs "
                    + MIN_RUNS);
        }
        int epochs = zoo.epochs();
        say.accept(String.format(Locale.ROOT, "zoo %s: %d runs x %d epochs (%s; features of %d runs computed in %.1f s)",
                o.zoo(), zoo.runs().size(), epochs, zoo.manifest().complete() ? "complete" : "partial", zoo.computed(),
                zoo.featureSeconds()));

        TrainTestSplit split = TrainTestSplit.of(zoo.runs(), o.testFraction(), o.seed());
        List<EvalRun> train = split.train();
        List<EvalRun> test = split.test();
        json.put("zoo", zooJson(zoo, train.size(), test.size(), test.stream().map(EvalRun::runId).toList()));
        List<int[]> orders = ArrivalOrders.of(test.size(), o.orders(), o.seed());
        double[][] valAcc = valAcc(test, epochs);
        Path work = Files.createTempDirectory("weightcast-eval-optuna");
        // with more than one thread the Optuna replay (Python) runs beside the LightGBM work
        OptunaReplay.Pending optunaEarly = o.threads() > 1
                ? OptunaReplay.start(o.python(), o.projectRoot(), valAcc, orders, o.threads() - 1, work) : null;
        try {
            return run(zoo, train, test, orders, valAcc, work, optunaEarly, json, t0);
        } finally {
            if (optunaEarly != null) {
                optunaEarly.cancel();
            }
            deleteQuietly(work);
        }
    }

    private Result run(ZooLoader.Loaded zoo, List<EvalRun> train, List<EvalRun> test, List<int[]> orders, double[][] valAcc,
                       Path work, OptunaReplay.Pending optunaEarly, Map<String, Object> json, long t0)
            throws IOException, InterruptedException {
        int epochs = zoo.epochs();

        // 1. per feature set, the trainer's own fit on the training runs (TrainerConfig: its defaults), judged per epoch
        // on the held-out runs through core AccuracyModel, as the scorer scores
        TrainerConfig trainer = TrainerConfig.defaults(o.threads(), o.seed());
        double[] testFinals = test.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        Map<String, EpochMetrics[]> bySet = new LinkedHashMap<>();
        Map<String, double[]> finalPredictions = new LinkedHashMap<>();
        double[][] predAll = null;
        Map<String, Object> scorerModel = null;
        Map<String, Object> served = null;
        progress.start("fit", FeatureSet.standard().size());
        for (FeatureSet set : FeatureSet.standard()) {
            // only the predictor whose intervals are read gets the cross-conformal calibration (it changes no prediction)
            try (Predictor p = Predictor.fit(train, set, set == FeatureSet.ALL ? trainer : trainer.uncalibrated())) {
                double[][] pred = p.predict(test, epochs);
                bySet.put(set.name(), EpochMetrics.byEpoch(testFinals, pred));
                finalPredictions.put(set.name(), IntStream.range(0, pred.length).mapToDouble(r -> pred[r][epochs - 1]).toArray());
                if (set == FeatureSet.ALL) {
                    predAll = pred;
                    scorerModel = ScorerModelCheck.run(p, test, epochs);
                    served = servedJson(p, train);
                }
            }
            progress.advance(1);
        }
        progress.finish();
        EpochMetrics finalAll = bySet.get(FeatureSet.ALL.name())[epochs - 1];
        EpochMetrics finalWeights = bySet.get(FeatureSet.WEIGHTS_ONLY.name())[epochs - 1];
        json.put("final", finalJson(finalAll, testFinals, finalPredictions.get(FeatureSet.ALL.name())));
        json.put("final_weights_only", finalJson(finalWeights, testFinals, finalPredictions.get(FeatureSet.WEIGHTS_ONLY.name())));

        // 2. intervals: the ones scores carry (the served model's, per stage of training); for the early-stop replay's
        // interval rule, per-epoch half-widths from the training runs' out-of-fold predictions of the trainer's fit
        CrossConformal cross = crossConformal(train, trainer.uncalibrated(), epochs);
        Map<Double, double[]> halfWidth = cross.halfWidth();
        json.put("by_epoch", byEpochJson(bySet.get(FeatureSet.ALL.name()), scorerModel));
        json.put("scorer_model", scorerModel);
        List<EvalRun> everyRun = new ArrayList<>(train);
        everyRun.addAll(test);
        Map<String, Object> crossFitted = ScorerModelCheck.crossFitted(everyRun, epochs, trainer,
                o.seed() + ScorerModelCheck.CROSS_FIT_SEED_OFFSET);
        scorerModel.put("cross_fitted", crossFitted);
        say.accept(String.format(Locale.ROOT, "the served model cross-fitted over all %d runs in %.0f s", everyRun.size(),
                JsonTree.num(crossFitted, "seconds")));
        Map<String, Object> perSet = new LinkedHashMap<>();
        bySet.forEach((name, metrics) -> perSet.put(name, java.util.Arrays.stream(metrics).map(EpochMetrics::toMap).toList()));
        json.put("by_epoch_feature_sets", perSet);
        json.put("feature_sets", featureSetsJson());
        json.put("intervals", intervalsJson(halfWidth));
        served.put("trainer", trainer.toMap());
        json.put("model", served);
        say.accept(String.format(Locale.ROOT, "final checkpoint: R2 %.3f, tau %.3f, MAE %.4f (all); weights only R2 %.3f, tau %.3f",
                finalAll.r2(), finalAll.kendallTau(), finalAll.mae(), finalWeights.r2(), finalWeights.kendallTau()));

        // 4. early stopping on the held-out runs
        double[] trainFinals = train.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        Map<String, List<EarlyStopBenchmark.Scored>> sweeps = new LinkedHashMap<>();
        List<EarlyStopBenchmark.Scored> intervalHeldOut = EarlyStopBenchmark.intervalSweep(predAll, halfWidth, testFinals,
                trainFinals, orders);
        // Weightcast's default rule: the top-run classifier's probability against per-epoch thresholds from the training
        // runs' out-of-fold probabilities; (reference, alpha, k) chosen by cross-validation over the training runs
        TopRunScores top = TopRunScores.of(train, test, FeatureSet.ALL.columns(), epochs, o.conformalFolds(), o.seed() + 7, o.threads());
        List<EarlyStopBenchmark.Scored> topRunCv = TopQuantileStopRule.crossValidated(EarlyStopBenchmark.WEIGHTCAST, top.oof(),
                trainFinals, o.conformalFolds(), TopQuantileStopRule.seeds(o.seed() + 303, TopQuantileStopRule.CV_REPEATS));
        EarlyStopBenchmark.Scored topRunChosenOnce = EarlyStopBenchmark.best(TopQuantileStopRule.crossValidated(
                EarlyStopBenchmark.WEIGHTCAST, top.oof(), trainFinals, o.conformalFolds(), o.seed() + 303));
        EarlyStopBenchmark.Scored topRunChosen = EarlyStopBenchmark.best(topRunCv);
        List<EarlyStopBenchmark.Scored> topRunHeldOut = topRunCv.stream().map(s -> TopQuantileStopRule.heldOut(
                EarlyStopBenchmark.WEIGHTCAST, s.params(), top.oof(), trainFinals, top.test(), testFinals, orders.size())).toList();
        sweeps.put(EarlyStopBenchmark.WEIGHTCAST, topRunHeldOut); // first: the rule the scorer runs by default
        sweeps.put(EarlyStopBenchmark.INTERVAL, intervalHeldOut);
        sweeps.put(EarlyStopBenchmark.CURVE_ONLY, EarlyStopBenchmark.curveSweep(valAcc, valAcc(train, epochs), testFinals, orders));
        progress.start("optuna", 1);
        OptunaReplay.Result optuna;
        try {
            optuna = optunaEarly != null ? optunaEarly.await()
                    : OptunaReplay.run(o.python(), o.projectRoot(), valAcc, orders, o.threads(), work);
        } finally {
            progress.finish();
        }
        sweeps.putAll(EarlyStopBenchmark.optuna(optuna, testFinals, epochs));
        Map<String, EarlyStopBenchmark.Scored> best = new LinkedHashMap<>();
        sweeps.forEach((policy, sweep) -> best.put(policy, EarlyStopBenchmark.best(sweep)));
        // Weightcast's own settings are chosen on the TRAINING runs only: the same sweep replayed over their
        // out-of-fold predictions (in their own shuffled orders); the held-out runs then judge that choice
        List<EarlyStopBenchmark.Scored> intervalTraining = EarlyStopBenchmark.intervalSweep(cross.oof(), halfWidth,
                trainFinals, trainFinals, ArrivalOrders.of(train.size(), o.orders(), o.seed() + 101));
        EarlyStopBenchmark.Scored intervalChosenOnTraining = EarlyStopBenchmark.best(intervalTraining);
        best.put(EarlyStopBenchmark.INTERVAL, EarlyStopBenchmark.withParams(intervalHeldOut, intervalChosenOnTraining.params()));
        best.put(EarlyStopBenchmark.WEIGHTCAST, TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST, topRunChosen.params(),
                top.oof(), trainFinals, top.test(), testFinals, orders.size()));
        EarlyStopBenchmark.Scored scorerLevers = EarlyStopBenchmark.bestWith(intervalTraining, SCORER_FIXED);
        List<EarlyStopBenchmark.Scored> topCv = TopQuantileStopRule.crossValidated(cross.oof(), trainFinals,
                o.conformalFolds(), o.seed() + 202);
        EarlyStopBenchmark.Scored topChosen = EarlyStopBenchmark.best(topCv);
        best.put(TopQuantileStopRule.NAME, TopQuantileStopRule.heldOut(topChosen.params(), cross.oof(), trainFinals, predAll,
                testFinals, orders.size()));
        Map<String, Object> early = new LinkedHashMap<>();
        best.forEach((policy, s) -> early.put(policy, s.toMap()));
        early.put(SCORER_DEFAULT, TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST, TOP_RUN_DEFAULTS, top.oof(), trainFinals,
                top.test(), testFinals, orders.size()).toMap());
        early.put(INTERVAL_DEFAULT, intervalDefault(intervalHeldOut).toMap());
        early.put(WEIGHTCAST_BEST_HELD_OUT, EarlyStopBenchmark.best(topRunHeldOut).toMap());
        early.put(INTERVAL_BEST_HELD_OUT, EarlyStopBenchmark.best(intervalHeldOut).toMap());
        json.put("early_stop", early);
        Map<String, Object> setup = earlySetupJson(test.size(), testFinals, orders.size(), epochs, optuna);
        setup.put("interval_chosen_on_training", intervalChosenOnTraining.toMap());
        setup.put("top_run_chosen_by_cv", topRunChosen.toMap());
        setup.put("top_run_chosen_by_one_cv", diagnostic(topRunChosenOnce, TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST,
                topRunChosenOnce.params(), top.oof(), trainFinals, top.test(), testFinals, orders.size())));
        setup.put("top_run_fold_mean", diagnostic(topRunChosen, TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST,
                topRunChosen.params(), top.oof(), trainFinals, top.testFoldMean(), testFinals, orders.size())));
        setup.put("top_run_hard_labels", hardLabelDiagnostic(train, test, FeatureSet.ALL.columns(), epochs, trainFinals, testFinals, orders.size()));
        setup.put("scorer_levers_chosen_on_training", scorerLevers.toMap());
        setup.put("top_quantile_chosen_by_cv", topChosen.toMap());
        setup.put("top_quantile_policy", "stop when the run's predicted final accuracy is below, on `consecutive` epochs in a "
                + "row, the alpha-quantile of the predictions that training runs finishing at or above the "
                + "reference_percentile of final accuracy had at that epoch (training runs' out-of-fold predictions); "
                + "(reference_percentile, alpha, consecutive) chosen by " + o.conformalFolds() + "-fold cross-validation over "
                + "the training runs; order-independent");
        setup.put("chosen_on", "weightcast, weightcast_interval, weightcast_top_quantile, weightcast_scorer_default and "
                + "weightcast_interval_default: settings chosen on the training runs only; weightcast_best_on_held_out, "
                + "weightcast_interval_best_on_held_out, curve_only "
                + "and the Optuna pruners: their best on the held-out runs (optimistic, shown for a like-for-like comparison)");
        // Weightcast's curve: the settings of both rules the scorer runs (interval and top-run)
        List<EarlyStopBenchmark.Scored> weightcastCurve = new ArrayList<>(intervalHeldOut);
        weightcastCurve.addAll(topRunHeldOut);
        Map<String, Object> dominance = new LinkedHashMap<>();
        sweeps.forEach((policy, sweep) -> {
            if (!policy.equals(EarlyStopBenchmark.INTERVAL) && !policy.equals(EarlyStopBenchmark.WEIGHTCAST)) {
                dominance.put(policy, EarlyStopBenchmark.dominated(weightcastCurve, sweep));
            }
        });
        dominance.put(EarlyStopBenchmark.WEIGHTCAST + "_by_interval_rule", EarlyStopBenchmark.dominated(intervalHeldOut, topRunHeldOut));
        dominance.put(EarlyStopBenchmark.INTERVAL + "_by_top_run_rule", EarlyStopBenchmark.dominated(topRunHeldOut, intervalHeldOut));
        setup.put("dominated_by_weightcast", dominance);
        setup.put("dominated_by_weightcast_rule", "share of the policy's settings for which some Weightcast setting (of the "
                + "interval rule or the top-run rule, both run by the scorer) saves at least as much and keeps at least as large "
                + "a share of the top-5% runs (mean and worst order); " + EarlyStopBenchmark.WEIGHTCAST
                + "_by_interval_rule: the top-run rule's settings against the interval rule's alone, and "
                + EarlyStopBenchmark.INTERVAL + "_by_top_run_rule the other way round");
        json.put("early_stop_setup", setup);
        Map<String, Object> sweepJson = new LinkedHashMap<>();
        sweeps.forEach((policy, sweep) -> sweepJson.put(policy, sweep.stream().map(EarlyStopBenchmark.Scored::toMap).toList()));
        json.put("early_stop_sweeps", sweepJson);
        say.accept(String.format(Locale.ROOT, "early stop: weightcast saves %.3f keeping %.3f of the top 5%% (interval rule %.3f); "
                        + "Optuna replay %.0f s", best.get(EarlyStopBenchmark.WEIGHTCAST).outcome().computeSaved(),
                best.get(EarlyStopBenchmark.WEIGHTCAST).outcome().top5Kept(), best.get(EarlyStopBenchmark.INTERVAL).outcome().computeSaved(),
                optuna.seconds()));

        // 5. dying ReLU
        json.put("dying_relu", DyingReluEval.evaluate(zoo.runs(), train, test, o.threads(), o.seed()));

        // 6. transfer
        json.put("transfer", transfer(zoo, trainer.uncalibrated()));

        json.put("targets", Targets.json());
        json.put("generated_at", Instant.now().toString());
        json.put("command", o.command());
        json.put("seed", o.seed());
        json.put("threads", o.threads());
        json.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        Map<String, double[]> r2BySet = new LinkedHashMap<>();
        bySet.forEach((name, m) -> r2BySet.put(name, java.util.Arrays.stream(m).mapToDouble(EpochMetrics::r2).toArray()));
        Map<String, Object> scores = new LinkedHashMap<>();
        scores.put("what", "per run (rows) and epoch (columns): train_* the training runs (out-of-fold: prediction of the "
                + "'all' regression, P(top run) of the top-run classifier), test_* the held-out runs (models fitted on every "
                + "training run; test_top_run_fold_mean: the mean of the fold classifiers); half_width: level -> per epoch "
                + "the conformal half-width; orders: the replay's arrival orders (indices into the test rows)");
        scores.put("train_final", trainFinals);
        scores.put("train_prediction", cross.oof());
        scores.put("train_top_run", top.oof());
        scores.put("train_val_acc", valAcc(train, epochs));
        scores.put("test_final", testFinals);
        scores.put("test_prediction", predAll);
        scores.put("test_top_run", top.test());
        scores.put("test_top_run_fold_mean", top.testFoldMean());
        scores.put("test_val_acc", valAcc);
        Map<String, double[]> hw = new LinkedHashMap<>();
        halfWidth.forEach((level, q) -> hw.put(String.valueOf(level), q));
        scores.put("half_width", hw);
        scores.put("orders", orders);
        return new Result(json, new Plots(epochs, testFinals, predAll, r2BySet, servedCoverage(scorerModel), sweeps, best), scores);
    }

    /**
     * The top-run rule as it was before soft labels (core TopRunModel#softLabels): the classifier fitted on hard
     * 0/1 labels, its setting chosen by the same repeated cross-validation, judged on the same held-out runs.
     */
    private Map<String, Object> hardLabelDiagnostic(List<EvalRun> train, List<EvalRun> test, int[] cols, int epochs,
                                                    double[] trainFinals, double[] testFinals, int orders) {
        TopRunScores hard = TopRunScores.of(train, test, cols, epochs, o.conformalFolds(), o.seed() + 7, o.threads(), 0);
        EarlyStopBenchmark.Scored chosen = EarlyStopBenchmark.best(TopQuantileStopRule.crossValidated(EarlyStopBenchmark.WEIGHTCAST,
                hard.oof(), trainFinals, o.conformalFolds(), TopQuantileStopRule.seeds(o.seed() + 303, TopQuantileStopRule.CV_REPEATS)));
        return diagnostic(chosen, TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST, chosen.params(), hard.oof(), trainFinals,
                hard.test(), testFinals, orders));
    }

    /** A setting chosen on the training runs: its parameters and training-side outcome, and how it did on the held-out runs. */
    private static Map<String, Object> diagnostic(EarlyStopBenchmark.Scored chosen, EarlyStopBenchmark.Scored heldOut) {
        Map<String, Object> m = new LinkedHashMap<>(chosen.toMap());
        m.put("held_out", heldOut.outcome().toMap());
        return m;
    }

    /** The setting the scorer runs today: the top-run rule at core TopRunModel's defaults (ScorerConfig's default rule). */
    static final String SCORER_DEFAULT = "weightcast_scorer_default";
    /** The scorer's interval rule (its fallback) at ScorerConfig's defaults. */
    static final String INTERVAL_DEFAULT = "weightcast_interval_default";
    static final String WEIGHTCAST_BEST_HELD_OUT = "weightcast_best_on_held_out";
    static final String INTERVAL_BEST_HELD_OUT = "weightcast_interval_best_on_held_out";
    static final Map<String, Object> TOP_RUN_DEFAULTS = Map.of(
            "reference_percentile", io.weightcast.core.model.TopRunModel.REFERENCE_PERCENTILE,
            "alpha", io.weightcast.core.model.TopRunModel.ALPHA, "consecutive", io.weightcast.core.model.TopRunModel.CONSECUTIVE);
    /** What the scorer cannot change per run: its reference is the trainer's 75th percentile (StudyReferences.PERCENTILE). */
    static final Map<String, Object> SCORER_FIXED = Map.of("reference_percentile", 0.75);
    /**
     * ScorerConfig's defaults: scorer.early.stop.interval.level, scorer.early.stop.consecutive and the first epoch
     * scorer.early.stop.min.step.fraction lets count (0.0: from epoch 1), as tuned on the training runs
     * (scorer_levers_chosen_on_training).
     */
    static final double SCORER_LEVEL = 0.9;
    static final int SCORER_CONSECUTIVE = 1;
    static final int SCORER_FROM_EPOCH = 1;

    static EarlyStopBenchmark.Scored intervalDefault(List<EarlyStopBenchmark.Scored> sweep) {
        return sweep.stream().filter(s -> s.params().get("interval_level").equals(SCORER_LEVEL)
                && s.params().get("reference_percentile").equals(0.75) && s.params().get("consecutive").equals(SCORER_CONSECUTIVE)
                && s.params().get("from_epoch").equals(SCORER_FROM_EPOCH))
                .findFirst().orElseThrow();
    }

    /** Runs ending at or below this final accuracy are "near chance" (10 classes), as the zoo generator counts them. */
    static final double NEAR_CHANCE = 0.15;

    /**
     * The final checkpoint's metrics, plus τ among the runs above chance: a third of a zoo ends near
     * chance with accuracies that differ by noise, and ranking those among themselves is a coin toss.
     */
    private static Map<String, Object> finalJson(EpochMetrics m, double[] y, double[] pred) {
        Map<String, Object> out = new LinkedHashMap<>(m.toMap());
        out.put("runs", m.runs());
        int[] above = IntStream.range(0, y.length).filter(i -> y[i] > NEAR_CHANCE).toArray();
        double[] ya = IntStream.of(above).mapToDouble(i -> y[i]).toArray();
        double[] pa = IntStream.of(above).mapToDouble(i -> pred[i]).toArray();
        out.put("kendall_tau_above_chance", above.length < 2 ? Double.NaN : EpochMetrics.of(m.epoch(), ya, pa).kendallTau());
        out.put("runs_above_chance", above.length);
        return out;
    }


    static double[][] valAcc(List<EvalRun> runs, int epochs) {
        double[][] v = new double[runs.size()][epochs];
        for (int r = 0; r < runs.size(); r++) {
            for (int e = 1; e <= epochs; e++) {
                v[r][e - 1] = runs.get(r).epoch(e).valAcc();
            }
        }
        return v;
    }

    /**
     * Conformal half-widths per level and epoch, and the out-of-fold predictions [run][epoch-1] they came from: each fold
     * of the TRAINING runs predicted by the trainer's fit on the other folds, so every residual is one of a run the model
     * never saw; the held-out runs are never used.
     */
    record CrossConformal(Map<Double, double[]> halfWidth, double[][] oof) {
    }

    private CrossConformal crossConformal(List<EvalRun> train, TrainerConfig config, int epochs) {
        int k = Math.min(o.conformalFolds(), train.size());
        int[] fold = RunFolds.assign(train.size(), k, o.seed() + 7);
        double[][] oof = new double[train.size()][];
        progress.start("intervals", k);
        for (int f = 0; f < k; f++) {
            List<Integer> inside = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                if (fold[i] == f) {
                    inside.add(i);
                }
            }
            try (Predictor p = Predictor.fit(RunFolds.select(train, fold, f, false), FeatureSet.ALL, config)) {
                double[][] pred = p.predict(inside.stream().map(train::get).toList(), epochs);
                for (int i = 0; i < pred.length; i++) {
                    oof[inside.get(i)] = pred[i];
                }
            }
            progress.advance(1);
        }
        progress.finish();
        double[] y = new double[train.size() * epochs];
        double[] pred = new double[y.length];
        int[] epoch = new int[y.length];
        for (int r = 0; r < train.size(); r++) {
            for (int e = 0; e < epochs; e++) {
                int i = r * epochs + e;
                y[i] = train.get(r).finalAccuracy();
                pred[i] = oof[r][e];
                epoch[i] = e + 1;
            }
        }
        Map<Double, double[]> out = new LinkedHashMap<>();
        for (double level : INTERVAL_LEVELS) {
            out.put(level, Conformal.perEpoch(y, pred, epoch, epochs, level));
        }
        return new CrossConformal(out, oof);
    }

    private Map<String, Object> transfer(ZooLoader.Loaded digits, TrainerConfig config) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kendall_tau", null);
        Path dir = o.transferZoo();
        if (dir == null || !Files.exists(dir.resolve("manifest.json"))) {
            out.put("note", "no transfer zoo at " + dir + " (generate it with eval/generate-zoos.sh)");
            out.put("runs", 0);
            return out;
        }
        ZooLoader.Loaded other;
        try {
            other = ZooLoader.load(dir, o.allowPartial(), o.useCache(), o.threads(), progress);
        } catch (IllegalArgumentException e) {
            out.put("note", e.getMessage());
            out.put("runs", 0);
            return out;
        }
        out.put("zoo", dir.toString());
        out.put("source", other.manifest().source());
        out.put("width", other.manifest().width());
        out.put("runs", other.runs().size());
        out.put("planned_runs", other.manifest().runs());
        out.put("complete", other.manifest().complete() && other.runs().size() == other.manifest().runs());
        out.put("trained_on", digits.runs().size() + " runs of " + digits.manifest().source() + " (training and held-out)");
        if (other.runs().size() < 3 || other.epochs() != digits.epochs()) {
            out.put("note", other.runs().size() < 3 ? "fewer than 3 runs: no ranking to judge"
                    : "the transfer zoo has " + other.epochs() + " epochs, the digits zoo " + digits.epochs());
            return out;
        }
        FeatureSet set = FeatureSet.ALL.architectureAgnostic();
        EpochMetrics m = transferMetrics(digits.runs(), other, set, config);
        out.put("kendall_tau", m.kendallTau());
        out.put("r2", m.r2());
        out.put("mae", m.mae());
        out.put("features", set.name() + ": " + set.description());
        EpochMetrics w = transferMetrics(digits.runs(), other, FeatureSet.WEIGHTS_ONLY.architectureAgnostic(), config);
        out.put("weights_only", Map.of("kendall_tau", w.kendallTau(), "r2", w.r2(), "mae", w.mae()));
        say.accept(String.format(Locale.ROOT, "transfer to %s (%d runs): tau %.3f", other.manifest().source(),
                other.runs().size(), m.kendallTau()));
        return out;
    }

    private EpochMetrics transferMetrics(List<EvalRun> digits, ZooLoader.Loaded other, FeatureSet set, TrainerConfig config) {
        try (Predictor p = Predictor.fit(digits, set, config)) {
            double[] y = other.runs().stream().mapToDouble(EvalRun::finalAccuracy).toArray();
            return EpochMetrics.of(other.epochs(), y, p.predictAt(other.runs(), other.epochs()));
        }
    }

    private Map<String, Object> zooJson(ZooLoader.Loaded zoo, int trainRuns, int testRuns, List<String> testIds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", zoo.runs().size());
        m.put("epochs", zoo.epochs());
        m.put("source", zoo.manifest().source());
        m.put("complete", zoo.manifest().complete() && zoo.runs().size() == zoo.manifest().runs());
        m.put("planned_runs", zoo.manifest().runs());
        m.put("width", zoo.manifest().width());
        m.put("seed", zoo.manifest().seed());
        m.put("path", zoo.dir().toString());
        m.put("train_runs", trainRuns);
        m.put("test_runs", testRuns);
        m.put("test_fraction", o.testFraction());
        m.put("test_run_ids", testIds);
        m.put("skipped_runs", zoo.skipped());
        m.put("relu_runs", zoo.runs().stream().filter(EvalRun::relu).count());
        m.put("generation_seconds", zoo.manifest().generationSeconds());
        m.put("feature_seconds", zoo.featureSeconds());
        m.put("features_computed_runs", zoo.computed());
        return m;
    }

    /** Level → per epoch, the coverage of the intervals the served model's scores carry. */
    @SuppressWarnings("unchecked")
    private static Map<Double, double[]> servedCoverage(Map<String, Object> scorerModel) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) scorerModel.get("by_epoch");
        Map<Double, double[]> out = new LinkedHashMap<>();
        out.put(0.8, rows.stream().mapToDouble(r -> ((Number) r.get("coverage80")).doubleValue()).toArray());
        out.put(0.95, rows.stream().mapToDouble(r -> ((Number) r.get("coverage95")).doubleValue()).toArray());
        return out;
    }

    /** Per epoch, the "all" predictor's metrics and the coverage of the intervals its scores carry (ScorerModelCheck). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> byEpochJson(EpochMetrics[] all, Map<String, Object> scorerModel) {
        List<Map<String, Object>> served = (List<Map<String, Object>>) scorerModel.get("by_epoch");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EpochMetrics m : all) {
            Map<String, Object> row = m.toMap();
            Map<String, Object> s = served.get(m.epoch() - 1);
            for (String k : List.of("coverage80", "coverage95", "width80", "width95", "coverage80_pooled", "coverage95_pooled")) {
                row.put(k, s.get(k));
            }
            row.put("runs", m.runs());
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, Object> featureSetsJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (FeatureSet s : FeatureSet.standard()) {
            m.put(s.name(), Map.of("description", s.description(), "features", s.columns().length));
        }
        return m;
    }

    private Map<String, Object> intervalsJson(Map<Double, double[]> halfWidth) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "the intervals the served model's scores carry (the trainer's cross-conformal calibration, per "
                + "stage of training; scorer_model), coverage counted on the held-out runs only");
        m.put("pooled", "coverage80_pooled/coverage95_pooled in by_epoch: the served model's one half-width for every stage");
        m.put("early_stop_half_widths", "half_widths below: per epoch, the finite-sample conformal quantile of |residual| "
                + "over the training runs' out-of-fold predictions of the trainer's fit (" + o.conformalFolds() + " folds by "
                + "run), what the early-stop replay's interval rule reads");
        Map<String, Object> hw = new LinkedHashMap<>();
        halfWidth.forEach((level, q) -> hw.put(String.valueOf(level), q));
        m.put("half_widths", hw);
        return m;
    }

    /** What the chance floor (core ChanceFloorModel) found on the training runs. */
    private static Map<String, Object> chanceFloorJson(List<EvalRun> train, double level) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", Double.isNaN(level) ? null : level);
        double[] finals = train.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        m.put("training_runs_at_level", Double.isNaN(level) ? 0 : ChanceFloorModel.runsAt(finals, level));
        m.put("training_runs", train.size());
        m.put("rule", "core ChanceFloorModel, fitted with every predictor (as the trainer fits it): a LightGBM binary classifier "
                + "of 'the run ends exactly at the chance level' (the training runs' most frequent final accuracy <= "
                + ChanceFloorModel.MAX_LEVEL + ", held by >= " + ChanceFloorModel.MIN_SHARE + " of them); where P >= "
                + ChanceFloorModel.DECISION_PROBABILITY + " the prediction is that level. Collapsed networks are tied in truth "
                + "(one class for every test image: exactly 1/classes on the balanced test split), and the floor ties them in "
                + "the prediction too");
        return m;
    }

    /** What the served "all" predictor is: its late-stage regressor, chance floor and what its splits use. */
    private static Map<String, Object> servedJson(Predictor p, List<EvalRun> train) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", "Every predictor is the trainer's own fit (trainer AccuracyRefit, the code path of each refit the "
                + "trainer publishes) at the trainer's defaults, on the training runs, seeing only its feature set's columns; "
                + "no tuning beyond what the trainer does itself");
        m.put("late_stage_model", !p.refit().served().stageModels().isEmpty());
        m.put("late_stage_rule", "a regressor fitted on the last quarter of training alone serves late checkpoints unless "
                + "it does worse than the pooled one on the split's held-out runs (trainer AccuracyModelFitter)");
        m.put("training_runs", p.refit().servedRuns());
        m.put("fit_seconds", p.refit().served().seconds());
        m.put("top_features_all", p.topFeatures(15));
        m.put("chance_floor", chanceFloorJson(train, p.chanceLevel()));
        return m;
    }

    private Map<String, Object> earlySetupJson(int runs, double[] finals, int orders, int epochs, OptunaReplay.Result optuna) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean[] top = EarlyStopOutcome.top(finals, EarlyStopOutcome.TOP_FRACTION);
        int topCount = 0;
        for (boolean b : top) {
            topCount += b ? 1 : 0;
        }
        m.put("runs", runs);
        m.put("orders", orders);
        m.put("epochs", epochs);
        m.put("top5_runs", topCount);
        m.put("min_finished", EarlyStopBenchmark.MIN_FINISHED);
        m.put(SCORER_DEFAULT, "the scorer's default rule (top-run) at core TopRunModel's defaults " + TOP_RUN_DEFAULTS);
        m.put(INTERVAL_DEFAULT, "the scorer's interval rule at its defaults (" + SCORER_LEVEL + " interval, 75th percentile, "
                + SCORER_CONSECUTIVE + " consecutive, from epoch " + SCORER_FROM_EPOCH + ")");
        m.put("best_setting_rule", EarlyStopBenchmark.BEST_RULE);
        m.put("replay", "runs arrive one at a time in each order and train to their end or their stop before the next starts; "
                + "a run stopped at the last epoch counts as kept");
        m.put("top_run_policy", "the scorer's default rule (scorer.early.stop.rule=top_run; core TopRunModel): a LightGBM classifier of P(the run finishes at or "
                + "above the " + io.weightcast.core.model.TopRunModel.LABEL_PERCENTILE + " percentile of final accuracy) on every "
                + "checkpoint's features (all: weights + reported metrics); stop when that probability is below, on `consecutive` "
                + "epochs in a row, the alpha-quantile of what the training runs finishing at or above the reference_percentile "
                + "scored at that epoch (their out-of-fold probabilities; the held-out runs are scored by the classifier fitted on "
                + "every training run); (reference_percentile, alpha, consecutive) chosen by cross-validation over the training "
                + "runs, repeated over " + TopQuantileStopRule.CV_REPEATS + " fold seeds (a setting counts as keeping every "
                + "top-5% run only when it does in every repetition; top_run_chosen_by_one_cv is the choice of one repetition); "
                + "order-independent");
        m.put("interval_policy", "the scorer's interval rule (design §6; its fallback for a model without a top-run rule): stop when the upper end of the run's conformal interval (level interval_level) is below "
                + "the reference_percentile of final test accuracy of the runs finished so far in this order (of the training "
                + "runs while fewer than " + EarlyStopBenchmark.MIN_FINISHED + " finished) on `consecutive` checkpoints in a row, "
                + "counted from from_epoch on");
        m.put("curve_only_policy", "stop when val_acc at epoch e is below the percentile of the finished runs' val_acc at e "
                + "(training runs' while fewer than " + EarlyStopBenchmark.MIN_FINISHED + " finished) on `consecutive` epochs "
                + "in a row, from from_epoch on");
        m.put("optuna_version", optuna.optunaVersion());
        m.put("optuna_settings", optuna.settings().size());
        m.put("optuna_seconds", optuna.seconds());
        return m;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
