package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.trainer.AccuracyRefit;
import io.weightcast.trainer.ZooRun;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A final-accuracy predictor for one feature set, fitted by the trainer's own code ({@link AccuracyRefit}: split fit,
 * late-stage regressor, chance floor, early-stop rule, intervals, refit on every run) and scored through core
 * {@link AccuracyModel} as the scorer scores. A feature set is the trainer's layout with every other column missing
 * (NaN, which LightGBM never splits on): the model a producer reporting only those columns is served.
 */
public final class Predictor implements AutoCloseable {
    private final boolean[] keep;
    private final AccuracyRefit refit;
    private final AccuracyModel model;

    private Predictor(boolean[] keep, AccuracyRefit refit) {
        this.keep = keep;
        this.refit = refit;
        this.model = AccuracyModel.load(refit.version());
    }

    /** The trainer's fit on every checkpoint of {@code runs}, seeing only the columns of {@code set}. */
    public static Predictor fit(List<EvalRun> runs, FeatureSet set, TrainerConfig config) {
        boolean[] keep = new boolean[FeatureLayout.size()];
        for (int c : set.columns()) {
            keep[c] = true;
        }
        List<ZooRun> zoo = runs.stream().map(r -> zooRun(r, keep)).toList();
        return new Predictor(keep, AccuracyRefit.fit(zoo, config.params(), config.serveAllRuns(), 1));
    }

    /** Predicted final accuracy [run][epoch-1] for the first {@code epochs} epochs of every run. */
    public double[][] predict(List<EvalRun> runs, int epochs) {
        double[][] out = new double[runs.size()][epochs];
        for (int r = 0; r < runs.size(); r++) {
            for (int e = 1; e <= epochs; e++) {
                out[r][e - 1] = model.predict(row(runs.get(r).epoch(e)));
            }
        }
        return out;
    }

    /** Predicted final accuracy at each run's epoch {@code epoch}. */
    public double[] predictAt(List<EvalRun> runs, int epoch) {
        return runs.stream().mapToDouble(r -> model.predict(row(r.epoch(epoch)))).toArray();
    }

    /** The version the scorer would load. */
    public ModelVersion version() {
        return refit.version();
    }

    public AccuracyRefit refit() {
        return refit;
    }

    /** The chance floor's level, or NaN without one. */
    public double chanceLevel() {
        return refit.served().chanceFloor() == null ? Double.NaN : refit.served().chanceFloor().level();
    }

    /** How the served regressor splits: each feature's share of the pooled model's splits, largest first. */
    public List<Map<String, Object>> topFeatures(int limit) {
        Map<String, Long> splits = splitCounts(refit.served().modelText());
        long total = splits.values().stream().mapToLong(Long::longValue).sum();
        List<Map<String, Object>> out = new ArrayList<>();
        splits.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
                .forEach(e -> out.add(Map.of("feature", e.getKey(), "split_share", total > 0 ? (double) e.getValue() / total : 0.0)));
        return out;
    }

    /** The {@code feature_importances:} section LightGBM writes at the end of a model's text (split counts). */
    static Map<String, Long> splitCounts(String modelText) {
        Map<String, Long> out = new LinkedHashMap<>();
        int at = modelText.indexOf("\nfeature_importances:\n");
        if (at < 0) {
            return out;
        }
        for (String line : modelText.substring(at + 1).split("\n", -1)) {
            int eq = line.lastIndexOf('=');
            if (line.isBlank() && !out.isEmpty()) {
                break;
            }
            if (eq > 0) {
                try {
                    out.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
                } catch (NumberFormatException e) {
                    break; // past the section
                }
            }
        }
        return out;
    }

    /** One checkpoint's layout vector with the columns outside the set missing. */
    double[] row(EvalRun.Epoch epoch) {
        return blanked(epoch.features(), keep);
    }

    /** A benchmark run as the trainer's zoo holds it, with the columns outside {@code keep} missing. */
    static ZooRun zooRun(EvalRun run, boolean[] keep) {
        List<ZooRun.Checkpoint> cps = new ArrayList<>();
        for (EvalRun.Epoch e : run.epochs()) {
            cps.add(new ZooRun.Checkpoint(e.step(), blanked(e.features(), keep)));
        }
        return new ZooRun(run.runId(), "zoo", run.finalAccuracy(), cps);
    }

    private static double[] blanked(double[] features, boolean[] keep) {
        double[] v = Arrays.copyOf(features, features.length);
        for (int j = 0; j < v.length; j++) {
            if (!keep[j]) {
                v[j] = Double.NaN;
            }
        }
        return v;
    }

    @Override
    public void close() {
        model.close();
    }
}
