package io.weightcast.app.live;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.eval.FeatureSet;
import io.weightcast.eval.GbmModel;
import io.weightcast.eval.GbmParams;
import io.weightcast.eval.Rows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GBM baselines: a fixed-parameter LightGBM (the trainer's default parameters, a fixed
 * number of trees, no tuning) on the weight statistics plus the reported learning curve
 * ({@link FeatureSet#STATISTICS_CURVE}) or on the learning curve alone ({@link FeatureSet#CURVE_ONLY}), fitted on the history runs' checkpoints and judged on the
 * live runs per epoch. Its inputs come from the topics: each checkpoint's vector from
 * {@code features}, its metric and learning-curve columns recomputed from the run's {@code metrics}
 * events (a plain producer's checkpoints carry no metrics, so the features topic alone would starve
 * the baseline of its curve), the label from {@code finished}.
 */
public final class FeatureBaseline {
    public static final String NAME = "gbm_statistics_curve_fixed";
    public static final String CURVE_ONLY_NAME = "gbm_curve_only_fixed";
    static final int TREES = 200;

    private final ReplayPlan plan;
    private final Observations seen;
    private final long seed;
    private final FeatureSet set;

    public FeatureBaseline(ReplayPlan plan, Observations seen, long seed, FeatureSet set) {
        this.plan = plan;
        this.seen = seen;
        this.seed = seed;
        this.set = set;
    }

    /** Both baselines by name. */
    public static Map<String, BaselineResult> all(ReplayPlan plan, Observations seen, long seed) {
        Map<String, BaselineResult> out = new LinkedHashMap<>();
        out.put(NAME, new FeatureBaseline(plan, seen, seed, FeatureSet.STATISTICS_CURVE).evaluate());
        out.put(CURVE_ONLY_NAME, new FeatureBaseline(plan, seen, seed, FeatureSet.CURVE_ONLY).evaluate());
        return out;
    }

    public BaselineResult evaluate() {
        int[] cols = set.columns();
        GbmParams params = GbmParams.defaults(TREES);
        Rows train = rows(plan.history(), cols, 0);
        Map<String, Object> p = new LinkedHashMap<>(params.toMap());
        p.put("feature_set", set.name());
        p.put("columns", cols.length);
        List<EpochQuality> byEpoch = new ArrayList<>();
        if (train.rows() < 10) {
            return new BaselineResult(description(), p, train.rows(), byEpoch);
        }
        try (GbmModel model = GbmModel.fit(train, params, "regression", 1, seed)) {
            for (int e = 1; e <= plan.epochs(); e++) {
                Rows live = rows(plan.live(), cols, e);
                double[] pred = model.predictAccuracy(live);
                byEpoch.add(EpochQuality.of(e, live.targets(), pred, null, null));
            }
        }
        return new BaselineResult(description(), p, train.rows(), byEpoch);
    }

    private String description() {
        return "LightGBM with fixed parameters (the trainer's defaults, " + TREES + " trees, no tuning) on "
                + set.description() + "; fitted on the history runs' checkpoints as the topics carried them";
    }

    /** @param onlyEpoch 0: every epoch */
    Rows rows(List<ZooRun> runs, int[] cols, int onlyEpoch) {
        List<double[]> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<int[]> keys = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            ZooRun run = runs.get(r);
            Double y = seen.finalAccuracy(run.replayId());
            if (y == null) {
                continue;
            }
            Map<Long, Map<String, Double>> metrics = seen.metrics(run.replayId());
            List<Map<String, Double>> history = new ArrayList<>();
            for (int s = 1; s <= plan.epochs(); s++) {
                Map<String, Double> m = metrics.getOrDefault((long) s, Map.of());
                history.add(m);
                if (onlyEpoch != 0 && s != onlyEpoch) {
                    continue;
                }
                Optional<FeatureVector> f = seen.features(run.replayId(), s);
                if (f.isEmpty() || f.get().layoutVersion() != FeatureLayout.VERSION || f.get().values().length != FeatureLayout.size()) {
                    continue;
                }
                double[] v = FeatureLayout.withCurve(f.get().values(), history);
                for (String name : FeatureLayout.METRIC_FEATURES) {
                    Double value = m.get(name);
                    v[FeatureLayout.indexOf("metric_" + name)] = value == null ? Double.NaN : value;
                }
                double[] row = new double[cols.length];
                for (int j = 0; j < cols.length; j++) {
                    row[j] = Double.isFinite(v[cols[j]]) ? v[cols[j]] : Double.NaN;
                }
                xs.add(row);
                ys.add(y);
                keys.add(new int[] {r, s});
            }
        }
        double[] matrix = new double[xs.size() * cols.length];
        for (int i = 0; i < xs.size(); i++) {
            System.arraycopy(xs.get(i), 0, matrix, i * cols.length, cols.length);
        }
        return new Rows(matrix, xs.size(), cols.length, ys.stream().mapToDouble(Double::doubleValue).toArray(),
                keys.stream().mapToInt(k -> k[0]).toArray(), keys.stream().mapToInt(k -> k[1]).toArray());
    }
}
