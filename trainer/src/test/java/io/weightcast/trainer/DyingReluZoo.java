package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.RunEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic ReLU runs for the dying-ReLU classifier: a run "dies" from some step on (or never); from
 * then on its loop reports {@code dead_fraction/conv2} ≥ 0.5 and its weights show it in
 * {@code max_bias_min} (negative biases switch units off), with noise; every other feature is noise.
 */
final class DyingReluZoo {
    static final int STEPS = 6;
    static final int SIGNAL = FeatureLayout.indexOf("max_bias_min");

    private final Random rnd;

    DyingReluZoo(long seed) {
        this.rnd = new Random(seed);
    }

    /** @param diesAt first dying step, or 0 if it never dies */
    record Run(String runId, int diesAt, double accuracy) {
        boolean dying(long step) {
            return diesAt > 0 && step >= diesAt;
        }
    }

    Run nextRun(String runId) {
        // a quarter of the runs die, and stay dead, from a random step on (zoos see 5-35% dying runs)
        int diesAt = rnd.nextInt(4) != 0 ? 0 : 1 + rnd.nextInt(STEPS);
        return new Run(runId, diesAt, diesAt == 0 ? 0.9 : 0.1);
    }

    double[] values(Run run, long step) {
        double[] v = new double[FeatureLayout.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        v[SIGNAL] = (run.dying(step) ? -1.0 : 1.0) + 0.3 * rnd.nextGaussian();
        v[FeatureLayout.indexOf("step")] = step;
        v[FeatureLayout.indexOf("planned_steps")] = STEPS;
        v[FeatureLayout.indexOf("step_fraction")] = (double) step / STEPS;
        return v;
    }

    FeatureVector vector(Run run, long step) {
        return new FeatureVector(run.runId(), step, STEPS, "relu-study", "relu", FeatureLayout.VERSION, values(run, step),
                new Health(0, List.of(), Map.of()), System.currentTimeMillis(), System.currentTimeMillis());
    }

    static RunEvent metrics(Run run, long step) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_acc", run.dying(step) ? 0.1 : 0.8);
        m.put("dead_fraction/conv1", 0.1);
        m.put("dead_fraction/conv2", run.dying(step) ? 0.75 : 0.25);
        return new RunEvent(RunEvent.METRICS, run.runId(), "relu-study", null, null, step, m, null, System.currentTimeMillis());
    }

    /** {@code n} finished runs as zoo members, their metrics events recorded in {@code labels}. */
    List<ZooRun> zoo(int n, DeadUnitLabels labels) {
        List<ZooRun> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Run run = nextRun(String.format("relu-%04d", i));
            List<ZooRun.Checkpoint> cps = new ArrayList<>();
            for (int s = 1; s <= STEPS; s++) {
                cps.add(new ZooRun.Checkpoint(s, values(run, s)));
                labels.add(metrics(run, s), run.runId());
            }
            out.add(new ZooRun(run.runId(), "relu-study", run.accuracy(), cps));
        }
        return out;
    }
}
