package io.weightcast.eval.studies;

import io.weightcast.eval.EpochMetrics;
import io.weightcast.eval.ScorerModelCheck;
import io.weightcast.eval.EvalRun;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.trainer.AccuracyModelFitter;
import io.weightcast.trainer.BoosterConfig;
import io.weightcast.trainer.FitParams;
import io.weightcast.trainer.FitResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the trainer's predictor gets from its zoo at each size (issue 19: small zoos are the common case): per zoo
 * size H and trainer setting, the trainer's own fit ({@link AccuracyModelFitter}, as the trainer publishes it) on
 * H runs, scored through core AccuracyModel on a fixed set of other runs, repeated over disjoint sub-zoos. The
 * settings: {@code iterations} (trainer.num.iterations, the standard booster) or {@code deep} ({@link BoosterConfig#deep}).
 *
 * <pre>java -cp app/target/weightcast.jar io.weightcast.eval.studies.PredictorConfigStudy ZOO OUT.json SIZES ITERATIONS [threads]</pre>
 * e.g. {@code /work/zoos/digits-1300 /tmp/config.json 50,200,500 200,600,1500 2}.
 */
public final class PredictorConfigStudy {
    private static final long SEED = 606;
    /** Runs set aside to score every fit on (the rest are dealt into sub-zoos). */
    private static final int TEST_RUNS = 300;
    /** Sub-zoos per size at most (each a fit per setting). */
    private static final int MAX_REPEATS = 3;

    private PredictorConfigStudy() {
    }

    public static void main(String[] args) throws Exception {
        StudyArgs a = StudyArgs.parse("PredictorConfigStudy ZOO OUT.json SIZES ITERATIONS [threads]", args);
        List<EvalRun> shuffled = new ArrayList<>(a.zoo().runs());
        Collections.shuffle(shuffled, new Random(SEED));
        List<EvalRun> test = shuffled.subList(0, Math.min(TEST_RUNS, shuffled.size() / 3));
        List<EvalRun> pool = shuffled.subList(test.size(), shuffled.size());
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("zoo", a.zooDir().toString());
        tree.put("test_runs", test.size());
        tree.put("what", "the trainer's fit at each zoo size and trainer.num.iterations, on disjoint sub-zoos of the pool, scored "
                + "on the same test runs through core AccuracyModel: mean over sub-zoos of R2 and Kendall tau per epoch");
        List<Map<String, Object>> cells = new ArrayList<>();
        tree.put("cells", cells);
        int epochs = a.zoo().epochs();
        double[] y = test.stream().mapToDouble(EvalRun::finalAccuracy).toArray();
        for (String sizeText : a.first()) {
            int size = Integer.parseInt(sizeText);
            List<List<EvalRun>> subZoos = IntervalCalibrationStudy.subZoos(pool, size);
            subZoos = subZoos.subList(0, Math.min(MAX_REPEATS, subZoos.size()));
            for (String itText : a.second()) {
                BoosterConfig booster = itText.equals("deep") ? BoosterConfig.deep()
                        : BoosterConfig.standard(Integer.parseInt(itText));
                int iterations = booster.iterations();
                long t0 = System.nanoTime();
                double[][] r2 = new double[subZoos.size()][];
                double[][] tau = new double[subZoos.size()][];
                double[] cov80 = new double[epochs];
                for (int z = 0; z < subZoos.size(); z++) {
                    FitParams d = FitParams.defaults();
                    FitParams params = new FitParams(d.holdoutFraction(), d.seed(), a.threads(), iterations, false,
                            FitParams.DEFAULT_CONFORMAL_FOLDS).withBooster(booster);
                    FitResult fit = new AccuracyModelFitter(params).fit(subZoos.get(z).stream().map(ScorerModelCheck::zooRun).toList());
                    ModelVersion mv = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(1)
                            .layoutVersion(FeatureLayout.VERSION).featureNames(FeatureLayout.names())
                            .modelText(fit.modelText()).trainingRuns(fit.trainingRuns()).trainingRows(fit.trainingRows())
                            .holdout(fit.holdout()).residualQuantiles(fit.residualQuantiles()).studyReferences(Map.of())
                            .ablations(fit.ablations()).chanceFloor(fit.chanceFloor())
                            .topRunRule(fit.topRunRule()).stageResidualQuantiles(fit.stageResidualQuantiles())
                            .stageModels(fit.stageModels()).build();
                    ScorerModelCheck.Coverage cov = new ScorerModelCheck.Coverage(epochs);
                    EpochMetrics[] m = EpochMetrics.byEpoch(y, cov.score(mv, test));
                    r2[z] = java.util.Arrays.stream(m).mapToDouble(EpochMetrics::r2).toArray();
                    tau[z] = java.util.Arrays.stream(m).mapToDouble(EpochMetrics::kendallTau).toArray();
                    double[] c = cov.staged(0.8);
                    for (int e = 0; e < epochs; e++) {
                        cov80[e] += c[e] / subZoos.size();
                    }
                }
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("zoo_size", size);
                cell.put("iterations", iterations);
                cell.put("booster", booster.name());
                cell.put("sub_zoos", subZoos.size());
                cell.put("r2", mean(r2));
                cell.put("kendall_tau", mean(tau));
                cell.put("coverage80", cov80);
                cell.put("seconds", (System.nanoTime() - t0) / 1e9);
                cells.add(cell);
                double[] mr2 = mean(r2);
                double[] mtau = mean(tau);
                System.out.printf(Locale.ROOT, "H %d, %s %d iterations (%d sub-zoos): final R2 %.3f tau %.3f; epoch 3 R2 %.3f tau %.3f; "
                                + "80%% coverage %.3f-%.3f (%.0f s)%n", size, booster.name(), iterations, subZoos.size(), mr2[epochs - 1],
                        mtau[epochs - 1], mr2[Math.min(2, epochs - 1)], mtau[Math.min(2, epochs - 1)],
                        java.util.Arrays.stream(cov80).min().orElse(Double.NaN), java.util.Arrays.stream(cov80).max().orElse(Double.NaN),
                        (System.nanoTime() - t0) / 1e9);
                a.write(tree);
            }
        }
        System.out.println("written " + a.out());
    }

    private static double[] mean(double[][] v) {
        double[] out = new double[v[0].length];
        for (double[] row : v) {
            for (int e = 0; e < out.length; e++) {
                out[e] += row[e] / v.length;
            }
        }
        return out;
    }
}
