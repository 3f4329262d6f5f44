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
        FitParams params = new FitParams(defaults.holdoutFraction(), (int) seed, threads, defaults.numIterations(), false);
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
