package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.TopicWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs whose final accuracy is a known function of two latent per-run factors a, b:
 * acc = clip(0.55 + 0.25·tanh(2a) − 0.15·b², 0.05, 0.98). Every checkpoint shows a in
 * {@code kernel_std_mean} and b in {@code bias_mean_mean} with noise that shrinks as training
 * advances; all other features are noise or missing (NaN), as uninformative features are.
 */
final class SyntheticZoo {
    static final int STEPS = 18;
    private static final int A = FeatureLayout.indexOf("kernel_std_mean");
    private static final int B = FeatureLayout.indexOf("bias_mean_mean");

    private final Random rnd;

    SyntheticZoo(long seed) {
        this.rnd = new Random(seed);
    }

    /** A run's latent factors and label. */
    record Run(String runId, String study, double a, double b, double accuracy) {
    }

    /** A whole run as a training loop and the streams service would leave it: started, 18 feature vectors, finished. */
    void produce(TopicWriter writer, Topics topics, Run run) {
        writer.send(topics.runs(), run.runId(), Json.bytes(RunEvent.started(run.runId(), run.study(), Map.of("lr", 0.01), STEPS)));
        for (int step = 1; step <= STEPS; step++) {
            writer.send(topics.features(), run.runId(), Json.bytes(vector(run, step, STEPS)));
        }
        writer.send(topics.runs(), run.runId(), Json.bytes(RunEvent.finished(run.runId(), run.study(),
                Map.of("test_accuracy", run.accuracy(), "train_accuracy", Math.min(1, run.accuracy() + 0.05)))));
    }

    /** Runs {@code run-<from>} to {@code run-<to - 1>} (4 digits), of study-a and study-b in turn, each produced whole. */
    List<Run> produceRuns(TopicWriter writer, Topics topics, int from, int to) {
        List<Run> runs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Run run = nextRun(String.format("run-%04d", i), i % 2 == 0 ? "study-a" : "study-b");
            produce(writer, topics, run);
            runs.add(run);
        }
        return runs;
    }

    Run nextRun(String runId, String study) {
        double a = rnd.nextDouble() * 3 - 1.5;
        double b = rnd.nextDouble() * 3 - 1.5;
        double acc = Math.max(0.05, Math.min(0.98, 0.55 + 0.25 * Math.tanh(2 * a) - 0.15 * b * b));
        return new Run(runId, study, a, b, acc);
    }

    double[] values(Run run, long step, int planned) {
        double frac = (double) step / planned;
        double noise = 0.02 + 0.1 * (1 - frac);
        double[] v = new double[FeatureLayout.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(10) == 0 ? Double.NaN : rnd.nextGaussian();
        }
        v[A] = run.a() + noise * rnd.nextGaussian();
        v[B] = run.b() + noise * rnd.nextGaussian();
        v[FeatureLayout.indexOf("step")] = step;
        v[FeatureLayout.indexOf("planned_steps")] = planned;
        v[FeatureLayout.indexOf("step_fraction")] = frac;
        return v;
    }

    FeatureVector vector(Run run, long step, int planned) {
        return new FeatureVector(run.runId(), step, planned, run.study(), "relu", FeatureLayout.VERSION,
                values(run, step, planned), new Health(0, List.of(), Map.of()), System.currentTimeMillis(),
                System.currentTimeMillis());
    }

    ZooRun zooRun(Run run, int steps) {
        List<ZooRun.Checkpoint> cps = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            cps.add(new ZooRun.Checkpoint(s, values(run, s, steps)));
        }
        return new ZooRun(run.runId(), run.study(), run.accuracy(), cps);
    }

    /** {@code n} runs of {@code steps} checkpoints, ids run-0000…, studies alternating s0/s1. */
    List<ZooRun> zoo(int n, int steps) {
        List<ZooRun> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(zooRun(nextRun(String.format("run-%04d", i), "s" + (i % 2)), steps));
        }
        return out;
    }
}
