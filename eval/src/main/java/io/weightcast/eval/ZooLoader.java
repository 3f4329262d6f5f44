package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a zoo directory (eval/README.md, format 1) into {@link EvalRun}s: every finished run's
 * checkpoints through core's {@link FeatureExtractor} with the spectra of core's
 * {@link SpectralAnalyzer} (the current layout), cached per zoo ({@link FeatureCache}), with the layout's
 * learning-curve section recomputed from its events' history (as the streams service fills it live) and
 * its hyper-parameter section from its {@code started} event (what the client sends as metadata).
 *
 * <p>The checkpoint metadata's {@code eval/*} and {@code dead_fraction/*} metrics are stripped before
 * extraction: they were measured on the TEST split (the label's split), and {@code dead_fraction/*}
 * would otherwise reach {@code health.dead_fractions}, the very signal the dying-ReLU flag is judged on.
 */
public final class ZooLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ZooLoader.class);
    static final String EVAL_PREFIX = "eval/";

    /**
     * @param runs     the usable runs, in zoo order (by run index)
     * @param skipped  run directories that could not be used, with the reason
     * @param computed runs whose features were computed now (the rest came from the cache)
     */
    public record Loaded(Path dir, ZooManifest manifest, List<EvalRun> runs, Map<String, String> skipped,
                         int computed, double featureSeconds) {
        public int epochs() {
            return manifest.epochs();
        }
    }

    private ZooLoader() {
    }

    public static Loaded load(Path zoo, boolean allowPartial, boolean useCache, int threads, Progress progress)
            throws IOException {
        ZooManifest manifest = ZooManifest.read(zoo);
        List<Path> dirs = runDirectories(zoo);
        if (!manifest.complete() && !allowPartial) {
            throw new IllegalArgumentException("zoo " + zoo + " is not complete (" + dirs.size() + " of " + manifest.runs()
                    + " runs written); pass --allow-partial to evaluate the runs present");
        }
        int epochs = manifest.epochs();
        Path cacheFile = FeatureCache.file(zoo);
        Map<String, FeatureCache.Entry> cache = useCache ? readCache(cacheFile) : Map.of();
        Map<String, FeatureCache.Entry> entries = new ConcurrentHashMap<>();
        Map<String, String> skipped = new ConcurrentHashMap<>();
        List<Path> todo = new ArrayList<>();
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            FeatureCache.Entry hit = cache.get(id);
            if (hit != null && hit.fingerprint() == fingerprint(dir, epochs) && hit.rows().size() == epochs) {
                entries.put(id, hit);
            } else {
                todo.add(dir);
            }
        }
        long t0 = System.nanoTime();
        if (!todo.isEmpty()) {
            compute(todo, epochs, threads, entries, skipped, progress);
            try {
                Map<String, FeatureCache.Entry> keep = new LinkedHashMap<>();
                dirs.forEach(d -> {
                    FeatureCache.Entry e = entries.get(d.getFileName().toString());
                    if (e != null) {
                        keep.put(d.getFileName().toString(), e);
                    }
                });
                FeatureCache.write(cacheFile, keep);
            } catch (IOException e) {
                LOG.warn("could not write the feature cache {}: {}", cacheFile, e.getMessage());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<EvalRun> runs = new ArrayList<>();
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            FeatureCache.Entry e = entries.get(id);
            if (e == null) {
                continue;
            }
            try {
                runs.add(run(RunEvents.read(dir.resolve("events.jsonl"), epochs), e.rows()));
            } catch (IOException | IllegalArgumentException ex) {
                skipped.put(id, ex.getMessage());
            }
        }
        skipped.forEach((id, why) -> LOG.warn("zoo run {} skipped: {}", id, why));
        return new Loaded(zoo, manifest, List.copyOf(runs), Map.copyOf(skipped), todo.size(), seconds);
    }

    /** Finished runs' directories ({@code .tmp-*} ones are being written), by run index. */
    static List<Path> runDirectories(Path zoo) throws IOException {
        Path runs = zoo.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparingLong(ZooLoader::runIndex).thenComparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    private static long runIndex(Path dir) {
        String name = dir.getFileName().toString();
        int dash = name.lastIndexOf('-');
        try {
            return Long.parseLong(name.substring(dash + 1));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    public static Path checkpoint(Path dir, int step) {
        return dir.resolve(String.format(Locale.ROOT, "step-%03d.safetensors", step));
    }

    /** Sizes and modification times of the run's files: a rewritten run gets its features recomputed. */
    static long fingerprint(Path dir, int epochs) {
        long h = 17;
        try {
            for (int s = 1; s <= epochs; s++) {
                Path p = checkpoint(dir, s);
                h = 31 * h + Files.size(p);
                h = 31 * h + Files.getLastModifiedTime(p).toMillis();
            }
        } catch (IOException e) {
            return -1;
        }
        return h;
    }

    private static Map<String, FeatureCache.Entry> readCache(Path file) {
        try {
            return FeatureCache.read(file);
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring the unreadable feature cache {}: {}", file, e.toString());
            return Map.of();
        }
    }

    private static void compute(List<Path> todo, int epochs, int threads, Map<String, FeatureCache.Entry> into,
                                Map<String, String> skipped, Progress progress) {
        NativeBlas.ensureAvailable();
        // layers are tiny; parallelism comes from runs, one OpenBLAS thread each
        NativeBlas.threads(1);
        SpectralAnalyzer analyzer = new SpectralAnalyzer();
        progress.start("features", (long) todo.size() * epochs);
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            pool.submit(() -> todo.parallelStream().forEach(dir -> {
                String id = dir.getFileName().toString();
                try {
                    long fp = fingerprint(dir, epochs);
                    List<CheckpointRow> rows = new ArrayList<>();
                    for (int s = 1; s <= epochs; s++) {
                        rows.add(features(checkpoint(dir, s), s, analyzer));
                        progress.advance(1);
                    }
                    into.put(id, new FeatureCache.Entry(fp, List.copyOf(rows)));
                } catch (IOException | RuntimeException e) {
                    skipped.put(id, e.getMessage() == null ? e.toString() : e.getMessage());
                }
            })).join();
        } finally {
            pool.shutdown();
            progress.finish();
        }
    }

    static CheckpointRow features(Path path, int step, SpectralAnalyzer analyzer) throws IOException {
        SafeTensors file = SafeTensors.read(Files.readAllBytes(path));
        CheckpointMetadata meta = stripTestMetrics(CheckpointMetadata.parse(file.metadata(), null));
        if (meta.step() != step) {
            throw new IllegalArgumentException(path + " holds step " + meta.step() + ", expected " + step);
        }
        FeatureVector fv = FeatureExtractor.extract(file, meta, 0L, analyzer.analyze(file).health());
        Map<String, Double> dead = fv.health().deadFractions() == null ? Map.of() : fv.health().deadFractions();
        return new CheckpointRow(step, fv.values(), new LinkedHashMap<>(dead));
    }

    /** The metadata without the test-split keys ({@code eval/*}, {@code dead_fraction/*}). */
    static CheckpointMetadata stripTestMetrics(CheckpointMetadata m) {
        Map<String, Double> kept = new LinkedHashMap<>();
        if (m.metrics() != null) {
            m.metrics().forEach((k, v) -> {
                if (!k.startsWith(EVAL_PREFIX) && !k.startsWith(FeatureExtractor.REPORTED_DEAD_FRACTION)) {
                    kept.put(k, v);
                }
            });
        }
        return new CheckpointMetadata(m.runId(), m.step(), m.plannedSteps(), m.framework(), m.activation(), m.study(),
                kept, m.hparams(), m.part(), m.parts());
    }

    /**
     * Joins the cached rows with the run's events: curve and hyper-parameter columns (from the run's
     * history and its {@code started} event, what the streams service and the client's metadata give
     * live) and the ground truth.
     */
    static EvalRun run(RunEvents events, List<CheckpointRow> rows) {
        List<EvalRun.Epoch> epochs = new ArrayList<>();
        List<Map<String, Double>> history = new ArrayList<>();
        for (CheckpointRow row : rows) {
            int step = row.step();
            Map<String, Double> metrics = events.metricsByStep().get(step - 1);
            if (metrics == null) {
                throw new IllegalArgumentException("events lack the metrics of step " + step);
            }
            history.add(metrics);
            // the cached vector was computed from the file alone; its curve section gets the run's history, as live
            double[] features = FeatureLayout.withHyperparameters(FeatureLayout.withCurve(row.layout(), history),
                    events.hparams(), events.activation());
            Map<String, Double> measured = new LinkedHashMap<>();
            metrics.forEach((k, v) -> {
                if (k.startsWith(FeatureExtractor.REPORTED_DEAD_FRACTION)) {
                    measured.put(k.substring(FeatureExtractor.REPORTED_DEAD_FRACTION.length()), v);
                }
            });
            boolean constant = metrics.getOrDefault(EVAL_PREFIX + "constant_prediction", 0.0) >= 0.5;
            epochs.add(new EvalRun.Epoch(step, features, Map.copyOf(row.weightDead()), Map.copyOf(measured), constant,
                    metrics.getOrDefault("val_acc", Double.NaN)));
        }
        return new EvalRun(events.runId(), events.activation(), events.finalTestAccuracy(), epochs);
    }
}
