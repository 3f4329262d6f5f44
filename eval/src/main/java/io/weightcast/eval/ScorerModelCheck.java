package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.trainer.AccuracyModelFitter;
import io.weightcast.trainer.FitParams;
import io.weightcast.trainer.FitResult;
import io.weightcast.trainer.ZooRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model the trainer publishes, judged on the held-out runs the way the scorer uses it: trainer
 * {@link AccuracyModelFitter} at the trainer's defaults (no tuning; its own 25% holdout of the training
 * runs calibrates the intervals) fitted on the training runs alone, loaded through core
 * {@link AccuracyModel}, and per epoch the R², τ and coverage of the intervals a score carries (its
 * stage's half-widths) and of the pooled half-widths versions before per-stage intervals carried.
 */
final class ScorerModelCheck {
    private ScorerModelCheck() {
    }

    static Map<String, Object> run(List<EvalRun> train, List<EvalRun> test, int epochs, int threads, long seed) {
        long t0 = System.nanoTime();
        FitParams defaults = FitParams.defaults();
        // the trainer's own split seed: with the benchmark's, the hash that held out the benchmark's test runs (below its
        // test fraction) would leave none of the training runs below the trainer's holdout fraction
        int splitSeed = defaults.seed() == seed ? defaults.seed() + 1 : defaults.seed();
        FitParams params = new FitParams(defaults.holdoutFraction(), splitSeed, threads, defaults.numIterations(), false);
        FitResult fit = new AccuracyModelFitter(params).fit(train.stream().map(ScorerModelCheck::zooRun).toList());
        ModelVersion mv = new ModelVersion(ModelVersion.ACCURACY_MODEL, 1, FeatureLayout.VERSION, FeatureLayout.names(),
                fit.modelText(), fit.trainingRuns(), fit.trainingRows(), fit.holdout(), fit.residualQuantiles(), Map.of(), 0L,
                fit.ablations(), null, fit.chanceFloor(), fit.topRunRule(), fit.stageResidualQuantiles());
        double[] y = test.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        double[][] pred = new double[test.size()][epochs];
        int[][] in80 = new int[2][epochs];
        int[][] in95 = new int[2][epochs];
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            for (int r = 0; r < test.size(); r++) {
                for (int e = 0; e < epochs; e++) {
                    double[] row = test.get(r).epoch(e + 1).features();
                    double p = model.predict(row);
                    pred[r][e] = p;
                    List<Interval> staged = model.intervals(p, row);
                    List<Interval> pooled = model.intervals(p);
                    in80[0][e] += covers(staged, 0.8, y[r]);
                    in95[0][e] += covers(staged, 0.95, y[r]);
                    in80[1][e] += covers(pooled, 0.8, y[r]);
                    in95[1][e] += covers(pooled, 0.95, y[r]);
                }
            }
        }
        EpochMetrics[] metrics = EpochMetrics.byEpoch(y, pred);
        List<Map<String, Object>> byEpoch = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            Map<String, Object> m = metrics[e].toMap();
            m.put("coverage80", (double) in80[0][e] / y.length);
            m.put("coverage95", (double) in95[0][e] / y.length);
            m.put("coverage80_pooled", (double) in80[1][e] / y.length);
            m.put("coverage95_pooled", (double) in95[1][e] / y.length);
            byEpoch.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "the trainer's fit at its defaults (trainer.num.iterations " + defaults.numIterations()
                + ", holdout " + defaults.holdoutFraction() + " of the training runs for the intervals and the early-stop "
                + "thresholds) on the training runs, scored on the held-out runs through core AccuracyModel as the scorer "
                + "does: coverage of the intervals scores carry (per stage of training) and, _pooled, of one half-width "
                + "for every stage");
        out.put("training_runs", fit.trainingRuns());
        out.put("calibration_runs", fit.holdout().runs());
        out.put("stages", fit.stageResidualQuantiles().size());
        out.put("fit_seconds", fit.seconds());
        out.put("seconds", (System.nanoTime() - t0) / 1e9);
        out.put("by_epoch", byEpoch);
        return out;
    }

    /**
     * Re-judges the published model for an existing results directory (its predict.json and predict.md get a new
     * {@code scorer_model} section; everything else stays):
     * {@code java -cp weightcast.jar io.weightcast.eval.ScorerModelCheck ZOO RESULTS_DIR SEED [TEST_FRACTION] [THREADS]}.
     */
    public static void main(String[] args) throws Exception {
        java.nio.file.Path zoo = java.nio.file.Path.of(args[0]);
        java.nio.file.Path dir = java.nio.file.Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        double fraction = args.length > 3 ? Double.parseDouble(args[3]) : 0.3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        ZooLoader.Loaded loaded = ZooLoader.load(zoo, false, true, threads, Progress.NONE);
        TrainTestSplit split = TrainTestSplit.of(loaded.runs(), fraction, seed);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        java.nio.file.Path file = dir.resolve("predict.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = json.readValue(file.toFile(), LinkedHashMap.class);
        if (!split.test().stream().map(EvalRun::runId).toList().equals(JsonTree.get(tree, "zoo", "test_run_ids"))) {
            throw new IllegalArgumentException(file + " holds out other runs than seed " + seed + " and fraction " + fraction);
        }
        tree.put("scorer_model", JsonTree.sanitize(run(split.train(), split.test(), loaded.epochs(), threads, seed)));
        java.nio.file.Files.writeString(file, json.writeValueAsString(tree) + "\n");
        java.nio.file.Path md = dir.resolve("predict.md");
        String text = java.nio.file.Files.readString(md);
        int from = text.indexOf("## The published model");
        int to = text.indexOf("\n## ", from + 1);
        String section = PredictReport.scorerModelSection(tree);
        text = from < 0 ? text : text.substring(0, from) + section + text.substring(to + 1);
        java.nio.file.Files.writeString(md, text);
        System.out.println("scorer_model of " + file + " re-judged");
    }

    private static int covers(List<Interval> intervals, double level, double y) {
        for (Interval i : intervals) {
            if (Math.abs(i.level() - level) < 1e-9) {
                return i.low() <= y && y <= i.high() ? 1 : 0;
            }
        }
        return 0;
    }

    /** A benchmark run as the trainer's zoo holds it: its label and every epoch's feature vector. */
    static ZooRun zooRun(EvalRun run) {
        List<ZooRun.Checkpoint> cps = new ArrayList<>();
        for (EvalRun.Epoch e : run.epochs()) {
            cps.add(new ZooRun.Checkpoint(e.step(), e.features()));
        }
        return new ZooRun(run.runId(), "zoo", run.finalAccuracy(), cps);
    }
}
