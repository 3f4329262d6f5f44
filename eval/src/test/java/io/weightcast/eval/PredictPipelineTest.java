package io.weightcast.eval;

import io.weightcast.eval.studies.IntervalCalibrationStudy;
import io.weightcast.eval.studies.LabelSoftnessStudy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole benchmark on a tiny zoo trained by the real Python generator (24 digits runs × 6 epochs,
 * and an 8-run width-24 zoo as the transfer zoo), with few configurations and orders: checks that
 * every required result is computed, in range and where it belongs, never that a target is reached; but
 * the final-checkpoint prediction must clear a quality floor, and fail it with the labels shuffled across runs.
 * The zoos live in target/test-zoos and are reused by later runs (the generator resumes).
 */
class PredictPipelineTest {
    private static final Path ROOT = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
    private static final Path ZOOS = Path.of("target/test-zoos").toAbsolutePath();
    private static final String PYTHON = "/usr/bin/python3";

    private static Path zoo;
    private static Path transferZoo;

    @BeforeAll
    static void generateZoos() throws Exception {
        zoo = generate("digits-24x6", "--runs", "24", "--epochs", "6", "--seed", "7");
        transferZoo = generate("digits-w24-8x6", "--runs", "8", "--epochs", "6", "--seed", "8", "--width", "24");
    }

    private static Path generate(String name, String... args) throws IOException, InterruptedException {
        Path dir = ZOOS.resolve(name);
        Files.createDirectories(ZOOS);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-m", "weightcast.demo.zoo", "--out", dir.toString(), "--parallel", "2"));
        cmd.addAll(List.of(args));
        Path log = ZOOS.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PYTHONPATH", ROOT.resolve("clients/python").toString());
        Process p = pb.start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("zoo generation finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(log, StandardCharsets.UTF_8)).isZero();
        return dir;
    }

    @Test
    void theLabelSoftnessStudyJudgesEachSoftnessOnTheHeldOutRuns() throws Exception {
        Path out = Files.createTempDirectory("weightcast-softness").resolve("label-softness.json");
        LabelSoftnessStudy.main(new String[] {zoo.toString(), out.toString(), "1", "0,1.5", "1"});
        JsonNode cells = Json.MAPPER.readTree(Files.readAllBytes(out)).path("cells");
        assertThat(cells.size()).isEqualTo(2);
        assertThat(cells.get(0).path("softness").asDouble()).isZero();
        assertThat(cells.get(1).path("softness").asDouble()).isEqualTo(1.5);
        for (JsonNode cell : cells) {
            assertThat(cell.path("seed").asLong()).isEqualTo(1);
            assertThat(cell.path("chosen").path("alpha").isNumber()).isTrue();
            assertThat(finite(cell.path("held_out").path("compute_saved"))).isBetween(0.0, 1.0);
            assertThat(finite(cell.path("held_out").path("top5_kept_min"))).isBetween(0.0, 1.0);
        }
    }

    @Test
    void theIntervalCalibrationStudyCrossFitsEverySettingAndZooSize() throws Exception {
        Path out = Files.createTempDirectory("weightcast-calibration").resolve("interval-calibration.json");
        IntervalCalibrationStudy.main(new String[] {zoo.toString(), out.toString(), "0,5", "0,12", "1"});
        JsonNode j = Json.MAPPER.readTree(Files.readAllBytes(out));
        int runs = j.path("runs").asInt();
        JsonNode cells = j.path("cells");
        assertThat(cells.size()).isEqualTo(4);
        for (JsonNode cell : cells) {
            int size = cell.path("zoo_size").asInt();
            assertThat(size).isIn(runs, 12);
            assertThat(cell.path("sub_zoos").asInt()).isEqualTo(size == 12 ? runs / 12 : 1);
            assertThat(cell.path("conformal_folds").asInt()).isIn(0, 5);
            for (JsonNode row : cell.path("by_epoch")) {
                double cov = finite(row.path("coverage80"));
                int scored = size * cell.path("sub_zoos").asInt();
                assertThat(cov * scored).as("counts every run of the sub-zoos once").isCloseTo(Math.rint(cov * scored),
                        org.assertj.core.api.Assertions.within(1e-9));
                assertThat(finite(row.path("width95"))).isGreaterThanOrEqualTo(finite(row.path("width80")));
            }
        }
    }

    @Test
    void theWholeBenchmarkRunsAndWritesEveryRequiredResult() throws Exception {
        Path out = Files.createTempDirectory("weightcast-eval-results");
        EvalOptions options = new EvalOptions(zoo, transferZoo, out, false, 1, 1, 0.3, 3, 3, true, PYTHON, ROOT, "test");
        PredictBenchmark.Result result = new PredictBenchmark(options, Progress.NONE, line -> { }).run();
        PredictReport.write(out, result);

        JsonNode j = Json.MAPPER.readTree(Files.readAllBytes(out.resolve("predict.json")));
        JsonNode zooJson = j.path("zoo");
        assertThat(zooJson.path("runs").asInt()).isEqualTo(24);
        assertThat(zooJson.path("epochs").asInt()).isEqualTo(6);
        assertThat(zooJson.path("source").asText()).isEqualTo("digits");
        assertThat(zooJson.path("complete").asBoolean()).isTrue();
        int testRuns = zooJson.path("test_runs").asInt();
        assertThat(testRuns).isPositive().isLessThan(24);
        assertThat(zooJson.path("train_runs").asInt() + testRuns).isEqualTo(24);

        for (String key : List.of("final", "final_weights_only")) {
            assertThat(j.path(key).path("r2").asDouble(2)).as(key + ".r2").isLessThanOrEqualTo(1.0);
            assertTau(j.path(key).path("kendall_tau"), key);
        }
        for (String key : List.of("final", "final_weights_only")) {
            // one predictor: the final checkpoint is the feature set's served model at its last epoch, nothing fitted beside it
            String set = key.equals("final") ? "all" : "weights_only";
            assertThat(j.path(key).path("kendall_tau").asDouble())
                    .isEqualTo(j.path("by_epoch_feature_sets").path(set).get(5).path("kendall_tau").asDouble());
            assertThat(j.path(key).path("r2").asDouble()).isEqualTo(j.path("by_epoch_feature_sets").path(set).get(5).path("r2").asDouble());
        }
        JsonNode trainerConfig = j.path("model").path("trainer");
        assertThat(trainerConfig.path("booster").asText()).isEqualTo("standard");
        assertThat(trainerConfig.path("serve_all_runs").asBoolean()).isTrue();
        assertThat(trainerConfig.path("conformal_folds").asInt()).isEqualTo(io.weightcast.trainer.FitParams.DEFAULT_CONFORMAL_FOLDS);
        assertThat(j.path("model").path("top_features_all").size()).isPositive();
        assertThat(finite(j.path("model").path("top_features_all").get(0).path("split_share"))).isBetween(0.0, 1.0);
        assertThat(finite(j.path("final").path("mae"))).isBetween(0.0, 1.0);

        // Ranges alone would pass a pipeline that leaks or misaligns labels. A quality floor below what this zoo gives
        // (measured with the trainer's fit on its 19 training runs: final R2 0.681, tau 1.0 on its 5 held-out runs) ...
        assertThat(j.path("final").path("r2").asDouble()).as("final R2").isGreaterThan(0.5);
        assertThat(j.path("final").path("kendall_tau").asDouble()).as("final tau").isGreaterThanOrEqualTo(0.6);
        // ... and the same prediction (the trainer's fit on the same split) with the labels
        // permuted across runs must score far worse: nothing in the features may carry the label itself.
        ZooLoader.Loaded loaded = ZooLoader.load(zoo, false, true, 1, Progress.NONE);
        EpochMetrics real = finalCheckpointMetrics(loaded.runs(), options);
        assertThat(real.r2()).as("what the trainer publishes for the training runs, scored as the scorer scores, is the "
                        + "benchmark's final R2").isCloseTo(j.path("final").path("r2").asDouble(),
                org.assertj.core.api.Assertions.within(1e-9));
        // Measured on 3 permutations: R2 0.112, -1.428, -0.755 (tau 0.4, -0.74, -0.2; real 0.681, 1.0). On a fresh machine
        // (2026-12-07, the same Debian torch 1.13, another test zoo draw) seed 1 gave 0.212 against a real 0.607, at the
        // commit before as after: 5 held-out runs make one permutation's R2 noisy, so each must be well below the real R2
        // (by 0.3) and the median below 0.3.
        double[] shuffledR2 = new double[3];
        for (int seed = 1; seed <= 3; seed++) {
            EpochMetrics shuffled = finalCheckpointMetrics(shuffledLabels(loaded.runs(), seed), options);
            System.out.printf("shuffled labels (seed %d): final R2 %.3f, tau %.3f; real %.3f, %.3f%n", seed, shuffled.r2(),
                    shuffled.kendallTau(), real.r2(), real.kendallTau());
            shuffledR2[seed - 1] = shuffled.r2();
            assertThat(shuffled.r2()).as("final R2 with labels shuffled across runs (seed " + seed + ")").isLessThan(real.r2() - 0.3);
        }
        java.util.Arrays.sort(shuffledR2);
        assertThat(shuffledR2[1]).as("median final R2 with labels shuffled across runs").isLessThan(0.3);
        assertThat(j.path("final").has("kendall_tau_above_chance")).isTrue();
        assertThat(j.path("final").path("runs_above_chance").asInt()).isBetween(0, testRuns);

        // per epoch, and the coverage counted over the held-out runs only (a fraction of exactly test_runs runs)
        JsonNode byEpoch = j.path("by_epoch");
        assertThat(byEpoch).hasSize(6);
        for (int e = 0; e < 6; e++) {
            JsonNode row = byEpoch.get(e);
            assertThat(row.path("epoch").asInt()).isEqualTo(e + 1);
            assertThat(finite(row.path("r2"))).isLessThanOrEqualTo(1.0);
            assertTau(row.path("kendall_tau"), "by_epoch tau");
            assertThat(finite(row.path("mae"))).isBetween(0.0, 1.0);
            assertThat(row.path("runs").asInt()).isEqualTo(testRuns);
            for (String c : List.of("coverage80", "coverage95", "coverage80_pooled", "coverage95_pooled")) {
                double cov = finite(row.path(c));
                assertThat(cov).as(c).isBetween(0.0, 1.0);
                assertThat(cov * testRuns).as(c + " counts held-out runs").isCloseTo(Math.rint(cov * testRuns),
                        org.assertj.core.api.Assertions.within(1e-9));
            }
            assertThat(finite(row.path("width95"))).isGreaterThanOrEqualTo(finite(row.path("width80")));
        }
        assertThat(j.path("zoo").path("test_run_ids")).hasSize(testRuns);
        for (FeatureSet set : FeatureSet.standard()) {
            assertThat(j.path("by_epoch_feature_sets").path(set.name())).as(set.name()).hasSize(6);
        }

        // the trainer's own fit, scored through core AccuracyModel as the scorer does
        JsonNode sm = j.path("scorer_model");
        // cross-conformal: the trainer's own held-out runs and, out of fold, its training runs all calibrate
        assertThat(sm.path("calibration_runs").asInt()).isEqualTo(j.path("zoo").path("train_runs").asInt());
        assertThat(sm.path("training_runs").asInt()).isLessThan(j.path("zoo").path("train_runs").asInt());
        // ... and the served regressor refitted on every training run (trainer.serve.all.runs)
        assertThat(sm.path("served_training_runs").asInt()).isEqualTo(j.path("zoo").path("train_runs").asInt());
        assertThat(sm.path("stages").asInt()).isEqualTo(6);
        assertThat(sm.path("by_epoch")).hasSize(6);
        for (JsonNode row : sm.path("by_epoch")) {
            assertThat(finite(row.path("r2"))).isLessThanOrEqualTo(1.0);
            assertThat(row.path("coverage80")).isEqualTo(byEpoch.get(row.path("epoch").asInt() - 1).path("coverage80"));
            for (String c : List.of("coverage80", "coverage95", "coverage80_pooled", "coverage95_pooled")) {
                double cov = finite(row.path(c));
                assertThat(cov * testRuns).as("scorer_model " + c + " counts held-out runs").isCloseTo(Math.rint(cov * testRuns),
                        org.assertj.core.api.Assertions.within(1e-9));
            }
        }

        // ... and cross-fitted: every zoo run scored once by a fit on the other folds
        JsonNode cf = sm.path("cross_fitted");
        int zooRuns = j.path("zoo").path("train_runs").asInt() + testRuns;
        assertThat(cf.path("folds").asInt()).isEqualTo(ScorerModelCheck.CROSS_FIT_FOLDS);
        assertThat(cf.path("runs").asInt()).isEqualTo(zooRuns);
        assertThat(cf.path("by_epoch")).hasSize(6);
        for (JsonNode row : cf.path("by_epoch")) {
            assertThat(row.path("runs").asInt()).isEqualTo(zooRuns);
            for (String c : List.of("coverage80", "coverage95", "coverage80_pooled", "coverage95_pooled")) {
                double cov = finite(row.path(c));
                assertThat(cov * zooRuns).as("cross-fitted " + c + " counts zoo runs").isCloseTo(Math.rint(cov * zooRuns),
                        org.assertj.core.api.Assertions.within(1e-9));
            }
            assertThat(finite(row.path("coverage80"))).isBetween(finite(row.path("coverage80_fold_min")),
                    finite(row.path("coverage80_fold_max")));
            assertThat(finite(row.path("se80"))).isCloseTo(Math.sqrt(0.8 * 0.2 / zooRuns), org.assertj.core.api.Assertions.within(1e-12));
        }

        // early stopping: every policy, Optuna's replay really ran (its whole sweep is there)
        JsonNode early = j.path("early_stop");
        for (String policy : List.of("weightcast", "weightcast_interval", "weightcast_scorer_default", "optuna_median", "optuna_percentile",
                "optuna_successive_halving", "curve_only")) {
            JsonNode p = early.path(policy);
            assertThat(finite(p.path("compute_saved"))).as(policy).isBetween(0.0, 1.0);
            assertThat(finite(p.path("top5_kept"))).as(policy).isBetween(0.0, 1.0);
            assertThat(finite(p.path("top1_kept"))).as(policy).isBetween(0.0, 1.0);
            assertThat(finite(p.path("regret"))).as(policy).isBetween(0.0, 1.0);
            // the clear top runs are some of the top-5% runs; their worst-order share is a share, or null without any
            int clear = p.path("top5_clear_runs").asInt(-1);
            assertThat(clear).as(policy).isBetween(0, (int) Math.ceil(0.05 * testRuns));
            assertThat(clear == 0 ? p.path("top5_clear_kept_min").isNull() : p.path("top5_clear_kept_min").asDouble() <= 1.0)
                    .as(policy).isTrue();
        }
        assertThat(j.path("early_stop_setup").path("optuna_settings").asInt()).isEqualTo(57);
        assertThat(j.path("early_stop_setup").path("orders").asInt()).isEqualTo(3);
        // the robustness diagnostics of the top-run rule's choice: one CV repetition's choice, fold-mean scoring
        // ... and the classifier on hard labels (what soft labels buy)
        for (String diagnostic : List.of("top_run_chosen_by_one_cv", "top_run_fold_mean", "top_run_hard_labels")) {
            JsonNode d = j.path("early_stop_setup").path(diagnostic);
            assertThat(d.path("params").path("alpha").isNumber()).as(diagnostic).isTrue();
            assertThat(finite(d.path("held_out").path("compute_saved"))).as(diagnostic).isBetween(0.0, 1.0);
        }
        assertThat(j.path("early_stop_setup").path("top_run_fold_mean").path("params"))
                .isEqualTo(j.path("early_stop_setup").path("top_run_chosen_by_cv").path("params"));
        int optunaSettings = j.path("early_stop_sweeps").path("optuna_median").size()
                + j.path("early_stop_sweeps").path("optuna_percentile").size()
                + j.path("early_stop_sweeps").path("optuna_successive_halving").size();
        assertThat(optunaSettings).isEqualTo(57);
        assertThat(j.path("early_stop_sweeps").path("weightcast").size()).isGreaterThan(10);

        // dying ReLU: recall over the measured positives; precision only where something was flagged
        JsonNode relu = j.path("dying_relu");
        assertThat(relu.path("relu_runs").asInt()).isPositive();
        JsonNode c = relu.path("confusion");
        assertThat(relu.path("positive_checkpoints").asLong())
                .isEqualTo(c.path("true_positive").asLong() + c.path("false_negative").asLong());
        if (relu.path("positive_checkpoints").asLong() > 0) { // held-out ReLU runs of a tiny zoo may hold none
            assertThat(finite(relu.path("recall"))).isBetween(0.0, 1.0);
        } else {
            assertThat(relu.path("recall").isNull()).isTrue();
        }
        assertThat(relu.path("weight_rule_all_relu_runs").path("relu_runs").asInt()).isPositive();
        assertThat(relu.path("classifier").path("training_checkpoints").asInt()).isPositive();
        long flagged = c.path("true_positive").asLong() + c.path("false_positive").asLong();
        if (flagged > 0) {
            assertThat(finite(relu.path("precision"))).isBetween(0.0, 1.0);
        } else {
            assertThat(relu.path("precision").isNull()).isTrue();
        }
        assertThat(relu.has("lead_epochs")).isTrue();
        assertThat(relu.path("lead").path("collapsed_runs").asInt()).isGreaterThanOrEqualTo(0);

        // transfer to the width-24 zoo
        assertThat(j.path("transfer").path("runs").asInt()).isEqualTo(8);
        assertTau(j.path("transfer").path("kendall_tau"), "transfer");
        assertThat(j.path("targets").path("final").path("r2").asDouble()).isEqualTo(0.99);

        // the report and its plots
        String md = Files.readString(out.resolve("predict.md"));
        assertThat(md).contains("## The predictor", "## Early stopping", "What the soft labels buy", "cross-fitted, every run held out once", "optuna_successive_halving", "## Dying ReLU", "## Transfer");
        // the "met" column compares the unrounded numbers
        String weightsRow = md.lines().filter(l -> l.startsWith("| final checkpoint, weights alone")).findFirst().orElseThrow();
        boolean weightsMet = j.path("final_weights_only").path("r2").asDouble() >= 0.95
                && j.path("final_weights_only").path("kendall_tau").asDouble() >= 0.88;
        assertThat(weightsRow).endsWith(weightsMet ? "| yes |" : "| **no** |");
        String transferRow = md.lines().filter(l -> l.startsWith("| transfer digits")).findFirst().orElseThrow();
        assertThat(transferRow).endsWith(j.path("transfer").path("kendall_tau").asDouble() >= 0.7 ? "| yes |" : "| **no** |");
        Set<String> pngs = new HashSet<>();
        try (var files = Files.list(out)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).forEach(pngs::add);
        }
        assertThat(pngs).contains("predict-r2-by-epoch.png", "predict-saved-vs-kept.png", "predict-coverage.png",
                "predict-scatter-e06.png");
        for (String png : pngs) {
            assertThat(Files.size(out.resolve(png))).as(png).isGreaterThan(1000);
            assertThat(md).contains("(" + png + ")");
        }

        // the per-run scores behind the replay, to try other rules on
        JsonNode scores;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(out.resolve("predict-scores.json.gz")))) {
            scores = Json.MAPPER.readTree(in);
        }
        assertThat(scores.path("test_prediction").size()).isEqualTo(testRuns);
        assertThat(scores.path("test_top_run").get(0).size()).isEqualTo(6);
        assertThat(scores.path("test_top_run_fold_mean").size()).isEqualTo(testRuns);
        assertThat(finite(scores.path("test_top_run_fold_mean").get(0).get(0))).isBetween(0.0, 1.0);
        assertThat(scores.path("train_prediction").size()).isEqualTo(24 - testRuns);
        assertThat(scores.path("orders").size()).isEqualTo(3);
        assertThat(scores.path("half_width").path("0.8").size()).isEqualTo(6);

        // the features are cached in the zoo: a second load computes nothing
        ZooLoader.Loaded again = ZooLoader.load(zoo, false, true, 1, Progress.NONE);
        assertThat(again.computed()).isZero();
        assertThat(again.runs()).hasSize(24);
        assertThat(Files.exists(FeatureCache.file(zoo))).isTrue();

    }

    /** The trainer's published model for these runs' training split (all features), judged at the final checkpoint of the held-out runs. */
    private static EpochMetrics finalCheckpointMetrics(List<EvalRun> runs, EvalOptions o) {
        TrainTestSplit split = TrainTestSplit.of(runs, o.testFraction(), o.seed());
        int epochs = runs.get(0).epochCount();
        try (Predictor p = Predictor.fit(split.train(), FeatureSet.ALL, TrainerConfig.defaults(o.threads(), o.seed()))) {
            return EpochMetrics.of(epochs, split.test().stream().mapToDouble(EvalRun::finalAccuracy).toArray(),
                    p.predictAt(split.test(), epochs));
        }
    }

    /** The runs with their final accuracies permuted across runs; features, ids and everything else unchanged. */
    private static List<EvalRun> shuffledLabels(List<EvalRun> runs, long seed) {
        List<Double> labels = new ArrayList<>(runs.stream().map(EvalRun::finalAccuracy).toList());
        Collections.shuffle(labels, new Random(seed));
        List<EvalRun> out = new ArrayList<>();
        int kept = 0;
        for (int i = 0; i < runs.size(); i++) {
            EvalRun r = runs.get(i);
            kept += labels.get(i) == r.finalAccuracy() ? 1 : 0;
            out.add(new EvalRun(r.runId(), r.activation(), labels.get(i), r.epochs()));
        }
        assertThat(kept).as("runs that kept their own label").isLessThanOrEqualTo(runs.size() / 8);
        return out;
    }

    private static double finite(JsonNode n) {
        assertThat(n.isNumber()).as("a number: " + n).isTrue();
        double v = n.asDouble();
        assertThat(Double.isFinite(v)).isTrue();
        return v;
    }

    private static void assertTau(JsonNode n, String what) {
        assertThat(finite(n)).as(what).isBetween(-1.0, 1.0);
    }
}
