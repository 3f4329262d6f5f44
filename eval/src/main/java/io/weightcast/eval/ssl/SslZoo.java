package io.weightcast.eval.ssl;

import io.weightcast.eval.RunEvents;
import io.weightcast.eval.ZooLoader;
import io.weightcast.eval.Progress;
import io.weightcast.eval.EvalRun;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.ArchitectureSignature;
import io.weightcast.core.ssl.LayerShape;
import io.weightcast.core.ssl.WeightTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;

/**
 * A zoo as the SSL evaluation sees it: {@link ZooLoader}'s runs (features from the per-zoo cache,
 * final test accuracy from the events) joined with each checkpoint's weights, flattened in token
 * order ({@link WeightTokens#flatten()}: the "W" input and, re-sliced, the encoder's), and the run's
 * final train accuracy. Runs of another architecture than the zoo's first, with a non-finite weight
 * or without a final train accuracy are left out with the reason (an encoder serves one
 * architecture; NaN weights would poison its training).
 */
public record SslZoo(ZooLoader.Loaded loaded, ArchitectureSignature signature, List<Run> runs, Map<String, String> skipped) {

    /**
     * @param weights       per epoch (index step − 1), the flattened checkpoint
     * @param testAccuracy  per epoch, that checkpoint's own {@code eval/test_acc} (the zoo's test split)
     * @param trainAccuracy per epoch, the epoch's {@code train_acc} (running mean over the epoch's batches in
     *                      training mode: the only per-epoch train accuracy the digits zoo reports)
     */
    public record Run(EvalRun eval, double finalTrainAccuracy, float[][] weights, double[] testAccuracy,
                      double[] trainAccuracy) {
        public String runId() {
            return eval.runId();
        }

        public double generalizationGap() {
            return finalTrainAccuracy - eval.finalAccuracy();
        }
    }

    public static SslZoo load(Path zoo, boolean allowPartial, boolean useCache, int threads, Progress progress)
            throws IOException {
        ZooLoader.Loaded loaded = ZooLoader.load(zoo, allowPartial, useCache, threads, progress);
        Map<String, String> skipped = new ConcurrentHashMap<>(loaded.skipped());
        List<EvalRun> evalRuns = loaded.runs();
        if (evalRuns.isEmpty()) {
            throw new IllegalArgumentException("zoo " + zoo + " has no usable runs");
        }
        ArchitectureSignature signature = ArchitectureSignature.of(read(checkpointOf(zoo, evalRuns.get(0), 1)));
        Map<String, Run> byId = new ConcurrentHashMap<>();
        int epochs = loaded.epochs();
        progress.start("weights", (long) evalRuns.size() * epochs);
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            pool.submit(() -> evalRuns.parallelStream().forEach(r -> {
                try {
                    byId.put(r.runId(), run(zoo, r, epochs, signature, progress));
                } catch (IOException | RuntimeException e) {
                    skipped.put(r.runId(), e.getMessage() == null ? e.toString() : e.getMessage());
                }
            })).join();
        } finally {
            pool.shutdown();
            progress.finish();
        }
        List<Run> runs = evalRuns.stream().map(r -> byId.get(r.runId())).filter(r -> r != null).toList();
        return new SslZoo(loaded, signature, runs, Map.copyOf(skipped));
    }

    private static Run run(Path zoo, EvalRun r, int epochs, ArchitectureSignature signature, Progress progress)
            throws IOException {
        Path dir = zoo.resolve("runs").resolve(r.runId());
        RunEvents events = RunEvents.read(dir.resolve("events.jsonl"), epochs);
        if (!Double.isFinite(events.finalTrainAccuracy())) {
            throw new IllegalArgumentException("no finite final.train_accuracy in its finished event");
        }
        float[][] weights = new float[epochs][];
        double[] test = new double[epochs];
        double[] train = new double[epochs];
        for (int s = 1; s <= epochs; s++) {
            test[s - 1] = events.metric(s, "eval/test_acc");
            train[s - 1] = events.metric(s, "train_acc");
            if (!Double.isFinite(test[s - 1]) || !Double.isFinite(train[s - 1])) {
                throw new IllegalArgumentException("step " + s + " has no finite eval/test_acc or train_acc");
            }
            SafeTensors file = read(ZooLoader.checkpoint(dir, s));
            ArchitectureSignature sig = ArchitectureSignature.of(file);
            if (!sig.key().equals(signature.key())) {
                throw new IllegalArgumentException("architecture " + sig.key() + " is not the zoo's " + signature.key());
            }
            float[] flat = WeightTokens.of(file, signature).flatten();
            for (float v : flat) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("step " + s + " holds a non-finite weight");
                }
            }
            weights[s - 1] = flat;
            progress.advance(1);
        }
        return new Run(r, events.finalTrainAccuracy(), weights, test, train);
    }

    private static Path checkpointOf(Path zoo, EvalRun r, int step) {
        return ZooLoader.checkpoint(zoo.resolve("runs").resolve(r.runId()), step);
    }

    private static SafeTensors read(Path p) throws IOException {
        return SafeTensors.read(Files.readAllBytes(p));
    }

    public int epochs() {
        return loaded.epochs();
    }

    public int checkpoints() {
        return runs.size() * epochs();
    }

    /** A flattened checkpoint back as tokens (per layer, its slice of the flat vector). */
    public WeightTokens tokens(float[] flat) {
        float[][] layers = new float[signature.layers().size()][];
        int at = 0;
        for (int l = 0; l < layers.length; l++) {
            LayerShape shape = signature.layers().get(l);
            int n = shape.units() * shape.width();
            layers[l] = new float[n];
            System.arraycopy(flat, at, layers[l], 0, n);
            at += n;
        }
        return new WeightTokens(signature, layers);
    }

    /** Why runs were left out, sorted by run id. */
    public Map<String, String> skippedSorted() {
        return new LinkedHashMap<>(new java.util.TreeMap<>(skipped));
    }

    static List<Run> select(List<Run> runs, java.util.Set<String> ids) {
        List<Run> out = new ArrayList<>();
        runs.forEach(r -> {
            if (ids.contains(r.runId())) {
                out.add(r);
            }
        });
        return out;
    }
}
