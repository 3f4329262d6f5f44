package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class AccuracyModelFitterTest {
    private static final Logger LOG = LoggerFactory.getLogger(AccuracyModelFitterTest.class);

    private static ModelVersion version(FitResult fit) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(1).layoutVersion(FeatureLayout.VERSION)
                .featureNames(FeatureLayout.names()).modelText(fit.modelText()).trainingRuns(fit.trainingRuns())
                .trainingRows(fit.trainingRows()).holdout(fit.holdout()).residualQuantiles(fit.residualQuantiles())
                .chanceFloor(fit.chanceFloor()).stageModels(fit.stageModels()).build();
    }

    @Test
    void lateCheckpointsGetALateStageRegressorAndThePublishedVersionReproducesTheHoldoutMetrics() {
        // only the last quarter's checkpoints show the run's quality (earlier ones are noise in the same column), so a
        // model of every row blurs the late rows with the early ones; the late rows' own model serves them
        Random rnd = new Random(12);
        int quality = FeatureLayout.indexOf("kernel_std_mean");
        List<ZooRun> zoo = new java.util.ArrayList<>();
        for (int r = 0; r < 160; r++) {
            double q = rnd.nextDouble();
            List<ZooRun.Checkpoint> cps = new java.util.ArrayList<>();
            for (int step = 1; step <= 12; step++) {
                double[] v = new double[FeatureLayout.size()];
                Arrays.fill(v, Double.NaN);
                double fraction = step / 12.0;
                v[quality] = fraction >= AccuracyModelFitter.LATE_FROM ? q + 0.01 * rnd.nextGaussian() : rnd.nextDouble();
                v[FeatureLayout.indexOf("step")] = step;
                v[FeatureLayout.indexOf("planned_steps")] = 12;
                v[FeatureLayout.indexOf("step_fraction")] = fraction;
                cps.add(new ZooRun.Checkpoint(step, v));
            }
            zoo.add(new ZooRun(String.format("run-%03d", r), "s", 0.2 + 0.7 * q, cps));
        }
        FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        assertThat(fit.stageModels()).singleElement()
                .satisfies(m -> assertThat(m.fromStepFraction()).isEqualTo(AccuracyModelFitter.LATE_FROM));
        TrainingRows holdout = fit.holdoutData();
        try (AccuracyModel model = AccuracyModel.load(version(fit))) {
            HoldoutMetrics again = AccuracyModelFitter.evaluate(model, fit);
            assertThat(again.r2()).isCloseTo(fit.holdout().r2(), org.assertj.core.api.Assertions.within(1e-9));
            assertThat(again.kendallTau()).isCloseTo(fit.holdout().kendallTau(), org.assertj.core.api.Assertions.within(1e-9));
        }
        assertThat(holdout.rows()).isGreaterThan(0);
        // too few runs with late checkpoints: no late-stage regressor
        assertThat(new AccuracyModelFitter(FitParams.defaults()).fit(new SyntheticZoo(11).zoo(12, 12)).stageModels()).isEmpty();
    }

    @Test
    void theServedModelIsRefitOnEveryRunAndKeepsTheSplitFitsMetricsIntervalsAndRule() {
        // few runs: the held-out quarter is a quarter of what the served model could learn from
        List<ZooRun> zoo = new SyntheticZoo(5).zoo(40, 12);
        AccuracyModelFitter fitter = new AccuracyModelFitter(FitParams.defaults());
        FitResult split = fitter.fit(zoo);
        FitResult served = fitter.servedOnAll(split, zoo);

        assertThat(served.split()).isSameAs(split);
        assertThat(split.split()).isNull();
        assertThat(served.modelText()).isNotEqualTo(split.modelText());
        assertThat(served.holdout()).isEqualTo(split.holdout());
        assertThat(served.residualQuantiles()).isEqualTo(split.residualQuantiles());
        assertThat(served.stageResidualQuantiles()).isEqualTo(split.stageResidualQuantiles());
        assertThat(served.topRunRule()).isEqualTo(split.topRunRule());
        assertThat(served.trainingRuns() + served.holdout().runs()).isEqualTo(40);
        assertThat(served.stageModels().isEmpty()).isEqualTo(split.stageModels().isEmpty());

        // it learned the held-out runs (they are in its training set) ...
        try (AccuracyModel s = AccuracyModel.load(version(split)); AccuracyModel all = AccuracyModel.load(version(served))) {
            assertThat(AccuracyModelFitter.evaluate(all, split).mae()).isLessThan(AccuracyModelFitter.evaluate(s, split).mae());
            // ... and on runs neither saw it does better, having learned from a third more runs
            List<ZooRun> fresh = new SyntheticZoo(99).zoo(200, 12).stream()
                    .map(r -> new ZooRun("fresh-" + r.runId(), r.study(), r.finalAccuracy(), r.checkpoints())).toList();
            FitResult judgeOnFresh = fitter.fit(fresh); // only for its held-out runs' rows
            double splitMae = AccuracyModelFitter.evaluate(s, judgeOnFresh).mae();
            double servedMae = AccuracyModelFitter.evaluate(all, judgeOnFresh).mae();
            LOG.info("40-run zoo, fresh held-out runs: split fit MAE {}, refit on all MAE {}", splitMae, servedMae);
            assertThat(servedMae).isLessThan(splitMae);
        }
    }

    @Test
    void learnsAKnownFunctionOfAFewFeaturesAndSplitsByRun() {
        List<ZooRun> zoo = new SyntheticZoo(11).zoo(160, 12);
        FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        LOG.info("synthetic 160 runs x 12: final R² {} MAE {} τ {}; all rows R² {}; {} s", fit.holdout().r2(),
                fit.holdout().mae(), fit.holdout().kendallTau(), fit.holdoutAllRows().r2(), fit.seconds());

        assertThat(fit.holdout().r2()).isGreaterThan(0.8);
        assertThat(fit.holdout().kendallTau()).isGreaterThan(0.6);
        assertThat(fit.holdout().runs()).isGreaterThanOrEqualTo(2);
        assertThat(fit.trainingRuns() + fit.holdout().runs()).isEqualTo(160);
        assertThat(fit.trainingRows() + fit.holdout().rows()).isEqualTo(160 * 12);
        assertThat(fit.holdout().rows()).isEqualTo(fit.holdout().runs() * 12);
        assertThat(fit.holdoutAllRows().runs()).isEqualTo(fit.holdout().runs());
        double q80 = fit.residualQuantiles().get("0.8");
        double q95 = fit.residualQuantiles().get("0.95");
        assertThat(q80).isPositive().isLessThanOrEqualTo(q95);
    }

    @Test
    void theSpectraAblationMeasuresWhatTheSpectralFeaturesAddOnTheSameRuns() {
        // the label is a function of alpha_mean alone: blanking the spectral columns must cost most of the R²
        java.util.Random rnd = new java.util.Random(3);
        int alpha = FeatureLayout.indexOf("alpha_mean");
        List<ZooRun> zoo = new java.util.ArrayList<>();
        for (int r = 0; r < 120; r++) {
            double a = 2 + 4 * rnd.nextDouble();
            double acc = 0.2 + 0.7 * (a - 2) / 4;
            List<ZooRun.Checkpoint> cps = new java.util.ArrayList<>();
            for (int step = 1; step <= 6; step++) {
                double[] v = new double[FeatureLayout.size()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = rnd.nextGaussian();
                }
                v[alpha] = a + 0.05 * rnd.nextGaussian();
                cps.add(new ZooRun.Checkpoint(step, v));
            }
            zoo.add(new ZooRun(String.format("run-%03d", r), "s", acc, cps));
        }
        FitResult fit = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200, true)).fit(zoo);
        assertThat(fit.holdout().r2()).isGreaterThan(0.8);
        assertThat(fit.ablations()).containsOnlyKeys("spectra");
        assertThat(fit.ablations().get("spectra").r2()).isLessThan(fit.holdout().r2() - 0.5);
        assertThat(fit.ablations().get("spectra").runs()).isEqualTo(fit.holdout().runs());
        assertThat(new AccuracyModelFitter(new FitParams(0.25, 42, 1, 50)).fit(zoo).ablations()).isEmpty();
    }

    @Test
    void intervalsAreCalibratedPerStageOfTrainingAndScoresGetTheirStagesWidth() {
        // features get less noisy as training advances, so early checkpoints' errors are larger
        List<ZooRun> zoo = new SyntheticZoo(21).zoo(240, 6);
        // split-conformal (the held-out runs alone calibrate): the finite-sample guarantee over those rows is exact
        FitResult fit = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200).withConformalFolds(0)).fit(zoo);
        assertThat(fit.calibrationRuns()).isEqualTo(fit.holdout().runs());
        List<Map<String, Double>> stages = fit.stageResidualQuantiles();
        assertThat(stages).hasSize(6);
        assertThat(stages).allSatisfy(s -> assertThat(s).containsOnlyKeys("0.8", "0.9", "0.95"));
        double first = stages.get(0).get("0.8");
        double last = stages.get(5).get("0.8");
        assertThat(first).isGreaterThan(1.2 * last);
        double pooled = fit.residualQuantiles().get("0.8");
        assertThat(pooled).isBetween(last, first);

        // per stage, the held-out rows are covered at least at the level (conformal rank over them)
        TrainingRows rows = fit.holdoutData();
        ModelVersion mv = version(fit).withStageResidualQuantiles(stages);
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            double[] pred = model.predict(rows.matrix(), rows.rows());
            int[] covered = new int[6];
            int[] n = new int[6];
            for (int i = 0; i < rows.rows(); i++) {
                double[] row = Arrays.copyOfRange(rows.matrix(), i * rows.cols(), (i + 1) * rows.cols());
                int stage = (int) Math.round(rows.value(i, "step")) - 1;
                io.weightcast.core.records.Interval eighty = model.intervals(pred[i], row).get(0);
                assertThat(eighty.high() - eighty.low()).isLessThanOrEqualTo(2 * stages.get(stage).get("0.8") + 1e-12);
                n[stage]++;
                covered[stage] += eighty.low() <= rows.targets()[i] && rows.targets()[i] <= eighty.high() ? 1 : 0;
            }
            for (int s = 0; s < 6; s++) {
                assertThat((double) covered[s] / n[s]).as("stage %d", s + 1).isGreaterThanOrEqualTo(0.8);
            }
            double[] unknown = Arrays.copyOfRange(rows.matrix(), 0, rows.cols());
            unknown[FeatureLayout.indexOf("step_fraction")] = Double.NaN;
            io.weightcast.core.records.Interval fallback = model.intervals(0.5, unknown).get(0);
            assertThat(fallback.high() - 0.5).isCloseTo(pooled, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @Test
    void theModelTextLoadsInCoreAndPredictsAccuracies() {
        List<ZooRun> zoo = new SyntheticZoo(5).zoo(40, 18);
        FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        Random rnd = new Random(3);
        try (AccuracyModel model = AccuracyModel.load(version(fit))) {
            for (int i = 0; i < 200; i++) {
                double[] v = new double[FeatureLayout.size()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = rnd.nextGaussian() * 50;
                }
                assertThat(model.predict(v)).isBetween(0.0, 1.0);
            }
            double[] missing = new double[FeatureLayout.size()];
            Arrays.fill(missing, Double.NaN);
            assertThat(model.predict(missing)).isBetween(0.0, 1.0);
            assertThat(model.intervals(0.5)).hasSize(3);
        }
    }

    @Test
    void crossConformalIntervalsCalibrateOnEveryRunAndCoverFreshRunsPerStage() {
        List<ZooRun> zoo = new SyntheticZoo(21).zoo(240, 6);
        FitResult fit = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200)).fit(zoo);
        assertThat(FitParams.defaults().conformalFolds()).isEqualTo(FitParams.DEFAULT_CONFORMAL_FOLDS);
        assertThat(fit.calibrationRuns()).as("held-out runs + every training run out of fold").isEqualTo(240);
        FitResult split = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200).withConformalFolds(0)).fit(zoo);
        assertThat(fit.modelText()).as("the published model does not change").isEqualTo(split.modelText());
        AccuracyModelFitter fitter = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200));
        FitResult later = fitter.calibrated(fitter.fitSplit(zoo, FeatureColumns.layout()), zoo);
        assertThat(later.stageResidualQuantiles()).as("calibrating a split fit later (the trainer's candidates) is the same")
                .isEqualTo(fit.stageResidualQuantiles());
        assertThat(later.residualQuantiles()).isEqualTo(fit.residualQuantiles());
        assertThat(split.stageResidualQuantiles()).isNotEqualTo(fit.stageResidualQuantiles());
        List<Map<String, Double>> stages = fit.stageResidualQuantiles();
        assertThat(stages).hasSize(6).allSatisfy(st -> assertThat(st).containsOnlyKeys("0.8", "0.9", "0.95"));

        // runs the fit never saw, from the same process: each stage's 80% / 95% intervals cover about that share
        List<ZooRun> fresh = new SyntheticZoo(99).zoo(600, 6);
        ModelVersion mv = version(fit).withStageResidualQuantiles(stages);
        int[][] covered = new int[2][6];
        int[] n = new int[6];
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            for (ZooRun run : fresh) {
                for (ZooRun.Checkpoint cp : run.checkpoints()) {
                    double p = model.predict(cp.values());
                    List<io.weightcast.core.records.Interval> iv = model.intervals(p, cp.values());
                    int stage = (int) cp.step() - 1;
                    n[stage]++;
                    for (int l = 0; l < 2; l++) {
                        io.weightcast.core.records.Interval i = iv.get(l == 0 ? 0 : 2);
                        covered[l][stage] += i.low() <= run.finalAccuracy() && run.finalAccuracy() <= i.high() ? 1 : 0;
                    }
                }
            }
        }
        for (int st = 0; st < 6; st++) {
            assertThat((double) covered[0][st] / n[st]).as("80%% at stage %d", st + 1).isBetween(0.74, 0.90);
            assertThat((double) covered[1][st] / n[st]).as("95%% at stage %d", st + 1).isBetween(0.91, 0.99);
        }
    }

    @Test
    void aSmallZooGetsPerStage95PercentIntervalsOnlyWhenEveryRunCalibrates() {
        // 40 runs: the held-out quarter (10 per stage) is too few for a conformal 95% quantile (19 needed)
        List<ZooRun> zoo = new SyntheticZoo(4).zoo(40, 6);
        FitResult split = new AccuracyModelFitter(FitParams.defaults().withConformalFolds(0)).fit(zoo);
        assertThat(split.stageResidualQuantiles()).hasSize(6).allSatisfy(st -> assertThat(st).doesNotContainKey("0.95"));
        FitResult cross = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        assertThat(cross.calibrationRuns()).isEqualTo(40);
        assertThat(cross.stageResidualQuantiles()).hasSize(6).allSatisfy(st -> assertThat(st).containsKey("0.95"));
    }

    @Test
    void runsThatCollapseToChanceArePredictedExactlyAtTheChanceLevel() {
        // a third of the runs collapse (dead_fraction_max = 1) and end exactly at 0.1; the rest spread above
        Random rnd = new Random(8);
        int dead = FeatureLayout.indexOf("dead_fraction_max");
        int quality = FeatureLayout.indexOf("kernel_std_mean");
        List<ZooRun> zoo = new java.util.ArrayList<>();
        for (int r = 0; r < 150; r++) {
            boolean collapsed = r % 3 == 0;
            double q = rnd.nextDouble();
            List<ZooRun.Checkpoint> cps = new java.util.ArrayList<>();
            for (int step = 1; step <= 6; step++) {
                double[] v = new double[FeatureLayout.size()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = rnd.nextGaussian();
                }
                v[dead] = collapsed ? 1.0 : 0.1 * rnd.nextDouble();
                v[quality] = q + 0.02 * rnd.nextGaussian();
                v[FeatureLayout.indexOf("step")] = step;
                cps.add(new ZooRun.Checkpoint(step, v));
            }
            zoo.add(new ZooRun(String.format("run-%03d", r), "s", collapsed ? 0.1 : 0.4 + 0.5 * q, cps));
        }
        FitResult fit = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 200)).fit(zoo);
        assertThat(fit.chanceFloor()).isNotNull();
        assertThat(fit.chanceFloor().level()).isEqualTo(0.1);
        ModelVersion mv = version(fit).withChanceFloor(fit.chanceFloor());
        ModelVersion withoutFloor = version(fit).withChanceFloor(null);
        TrainingRows held = fit.holdoutData();
        try (AccuracyModel model = AccuracyModel.load(mv); AccuracyModel plain = AccuracyModel.load(withoutFloor)) {
            double[] p = model.predict(held.matrix(), held.rows());
            double[] q = plain.predict(held.matrix(), held.rows());
            for (int i = 0; i < held.rows(); i++) {
                if (held.targets()[i] == 0.1) {
                    assertThat(p[i]).as("collapsed row %d", i).isEqualTo(0.1);
                } else {
                    assertThat(p[i]).as("healthy row %d keeps the regressor's value", i).isEqualTo(q[i]);
                }
            }
            // the ties the floor makes are true ties: τ-b on the final checkpoints rises
            assertThat(fit.holdout().kendallTau()).isGreaterThan(
                    io.weightcast.core.model.RegressionMetrics.kendallTau(finalRows(held, held.targets()), finalRows(held, q)));
        }
    }

    @Test
    void aLargeEnoughZooGetsAnEarlyStopRuleThatKeepsItsTopRunsAboveTheThresholds() {
        // two studies; 200 runs: the 50 held-out ones hold ~15 at or above their study's reference percentile
        List<ZooRun> zoo = new SyntheticZoo(21).zoo(200, 12);
        FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        io.weightcast.core.records.TopRunRule rule = fit.topRunRule();
        assertThat(rule).isNotNull();
        assertThat(rule.thresholds()).hasSize(12).allSatisfy(t -> assertThat(t).isBetween(0.0, 1.0));
        // cross-fitted: every zoo run at or above its study's reference calibrates (~40 of 200), not the held-out ~15
        assertThat(rule.calibrationRuns()).isGreaterThan(25);
        assertThat(new AccuracyModelFitter(FitParams.defaults().withConformalFolds(0)).fit(zoo).topRunRule().calibrationRuns())
                .as("held-out runs alone").isLessThan(25);
        // guarded by one of the candidate guards, chosen on the zoo, against each study's cut (and one over every run)
        assertThat(rule.guarded()).isTrue();
        assertThat(TopRunCalibrator.GUARDS).contains(new TopRunCalibrator.Guard(rule.guardLevel(), rule.cutPercentile(), rule.marginGuard()));
        assertThat(io.weightcast.core.model.StopRuleSelection.SHARES).contains(rule.alpha());
        Map<String, Double> cuts = StudyReferences.of(zoo, rule.cutPercentile());
        assertThat(rule.labelCuts()).isEqualTo(cuts).containsKey(io.weightcast.core.records.TopRunRule.ALL_STUDIES).hasSize(3);
        // fixed: the benchmark's share at the configured guard (0: none)
        FitParams fixed = FitParams.defaults().withStopShares(List.of(io.weightcast.core.model.TopRunModel.ALPHA));
        FitResult fixedFit = new AccuracyModelFitter(fixed).fit(zoo);
        TopRunRule fixedRule = fixedFit.topRunRule();
        assertThat(fixedRule.alpha()).isEqualTo(io.weightcast.core.model.TopRunModel.ALPHA);
        assertThat(fixedRule.guardLevel()).isEqualTo(io.weightcast.core.model.TopRunModel.GUARD_LEVEL);
        assertThat(fixedRule.cutPercentile()).isEqualTo(io.weightcast.core.model.TopRunModel.LABEL_PERCENTILE);
        assertThat(fixedRule.marginGuard()).isEqualTo(io.weightcast.core.model.TopRunModel.GUARD_ON_TOP_RUNS);
        assertThat(fixedRule.consecutive()).isEqualTo(io.weightcast.core.model.TopRunModel.CONSECUTIVE);
        assertThat(new AccuracyModelFitter(fixed.withGuardLevel(0)).fit(zoo).topRunRule().guarded()).isFalse();
        // the guard on top runs: one margin per stage, wider early (top runs were predicted further below the cut there)
        TopRunRule onTop = new AccuracyModelFitter(fixed.withGuardOnTopRuns(true).withGuardLevel(0.95).withConsecutive(2)).fit(zoo)
                .topRunRule();
        assertThat(onTop.marginGuard()).isTrue();
        assertThat(onTop.consecutive()).isEqualTo(2);
        assertThat(onTop.guardMargins()).hasSize(12).allSatisfy(m -> assertThat(m).isBetween(-1.0, 1.0));
        assertThat(onTop.guardMargins().get(0)).isGreaterThan(onTop.guardMargins().get(11));
        assertThat(new AccuracyModelFitter(fixed.withGuardOnTopRuns(false)).fit(zoo).topRunRule().guardMargins()).isEmpty();
        ModelVersion mv = version(fixedFit).withTopRunRule(fixedRule);
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            // late checkpoints of clearly bad runs are mostly below their stage's threshold, of clearly good runs hardly ever
            TrainingRows held = fixedFit.holdoutData();
            int[] bad = new int[2];
            int[] good = new int[2];
            for (int i = 0; i < held.rows(); i++) {
                double fraction = held.value(i, "step_fraction");
                if (fraction <= 0.5) {
                    continue;
                }
                boolean below = model.topRunProbability(held.row(i)) < fixedRule.threshold(fraction);
                int[] counts = held.targets()[i] < 0.3 ? bad : held.targets()[i] > 0.75 ? good : null;
                if (counts != null) {
                    counts[0]++;
                    counts[1] += below ? 1 : 0;
                }
            }
            assertThat(bad[0]).isPositive();
            assertThat(good[0]).isPositive();
            assertThat((double) bad[1] / bad[0]).as("bad runs below").isGreaterThan(0.6);
            assertThat((double) good[1] / good[0]).as("good runs below").isLessThan(0.1);
        }
        try (AccuracyModel model = AccuracyModel.load(version(fit).withTopRunRule(rule))) {
            // the chosen rule as the scorer judges (its guard included) counts good runs' checkpoints against them hardly ever
            TrainingRows held = fit.holdoutData();
            int good = 0;
            int counted = 0;
            for (int i = 0; i < held.rows(); i++) {
                if (held.targets()[i] > 0.75) {
                    double[] row = held.row(i);
                    double upper = model.intervals(model.predict(row), row).stream().filter(v -> v.level() == rule.guardLevel())
                            .findFirst().orElseThrow().high();
                    good++;
                    counted += Boolean.TRUE.equals(rule.below(model.topRunProbability(row), held.value(i, "step_fraction"), upper,
                            model.predict(row), fit.holdoutRuns().get(held.runOf()[i]).study())) ? 1 : 0;
                }
            }
            assertThat(good).isPositive();
            assertThat((double) counted / good).as("good runs' checkpoints counted against them").isLessThan(0.1);
        }
        List<ZooRun> small = new SyntheticZoo(22).zoo(40, 12);
        assertThat(new AccuracyModelFitter(FitParams.defaults().withConformalFolds(0)).fit(small).topRunRule())
                .as("10 held-out runs alone: too few at the top to calibrate").isNull();
        assertThat(new AccuracyModelFitter(FitParams.defaults()).fit(small).topRunRule())
                .as("cross-fitted, all 40 runs calibrate").isNotNull();
    }

    private static double[] finalRows(TrainingRows rows, double[] values) {
        return java.util.stream.IntStream.range(0, rows.rows()).filter(i -> rows.finalRow()[i]).mapToDouble(i -> values[i]).toArray();
    }

    @Test
    void theSameZooAndSeedGiveTheSameModel() {
        List<ZooRun> zoo = new SyntheticZoo(9).zoo(30, 18);
        AccuracyModelFitter fitter = new AccuracyModelFitter(FitParams.defaults());
        FitResult a = fitter.fit(zoo);
        FitResult b = fitter.fit(zoo);
        assertThat(b.modelText()).isEqualTo(a.modelText());
        assertThat(b.holdout()).isEqualTo(a.holdout());
    }

    @Test
    void fitsTheSmallestZooTheTrainerAccepts() {
        List<ZooRun> zoo = new SyntheticZoo(2).zoo(10, 18);
        FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
        assertThat(fit.holdout().runs()).isGreaterThanOrEqualTo(2);
        assertThat(fit.trainingRuns()).isGreaterThanOrEqualTo(1);
        assertThat(fit.modelText()).contains("Tree=");
    }

    /** Measures fit time at demo and fleet scale (one thread, 200 rounds); the numbers go to the log. */
    @Test
    void fitTimings() {
        for (int runs : new int[] {40, 200, 1000}) {
            List<ZooRun> zoo = new SyntheticZoo(runs).zoo(runs, SyntheticZoo.STEPS);
            long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            FitResult fit = new AccuracyModelFitter(FitParams.defaults()).fit(zoo);
            double cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9;
            LOG.info("fit timing: {} runs, {} train rows + {} holdout rows: {} s wall, {} s cpu (R² {})", runs,
                    fit.trainingRows(), fit.holdout().rows(), String.format("%.3f", fit.seconds()),
                    String.format("%.3f", cpu), String.format("%.3f", fit.holdout().r2()));
            assertThat(fit.trainingRows() + fit.holdout().rows()).isEqualTo(runs * SyntheticZoo.STEPS);
            assertThat(fit.holdout().r2()).isGreaterThan(0.8);
        }
    }
}
