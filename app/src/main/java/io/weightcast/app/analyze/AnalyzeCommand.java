package io.weightcast.app.analyze;

import io.weightcast.app.cli.ProgressBar;
import io.weightcast.app.cli.QuietLoggers;
import io.weightcast.app.cli.SettingsOptions;
import io.weightcast.core.config.Settings;
import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.features.CheckpointFeatures;
import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.spectral.InconsistentSpectrumException;
import io.weightcast.core.spectral.LayerSpectrum;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weightcast analyze FILE.safetensors}: everything Weightcast computes from one checkpoint, offline,
 * (or from many, {@code FILE|DIR…}, one after another in one JVM: {@link SweepSummary}),
 * without a broker: per weight layer the statistics, norms and dead units of core's feature math and the
 * WeightWatcher-equal spectral metrics of core's spectral package, the over-/under-trained verdicts
 * (α &lt; 2, α &gt; 6), and with a model (a file, or the latest on a running Weightcast's models topic)
 * the predicted final accuracy. Output: a table (stdout), or JSON with {@code --json}; an HTML report
 * with plots with {@code --report DIR}. Exit codes: 0 done, 1 something needed is unavailable (broker,
 * model, native backend), 2 bad input (file, model file, options); always a one-line reason on stderr.
 *
 * <p>Settings ({@code --config}, {@code -s}, {@code WEIGHTCAST_*}): the {@code spectral.*} keys of
 * {@link SpectralOptions} (defaults: WeightWatcher's).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Analyse safetensors checkpoints offline (one, or a sweep's directory in one JVM): per-layer statistics, norms, dead units and "
                + "WeightWatcher-equal spectral metrics (alpha, alpha_weighted, log_norm, ...), the over-/under-trained "
                + "flags (alpha < 2, alpha > 6) and, with a model, the predicted final accuracy. No broker needed."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:analysed", "1:something needed is unavailable (broker, model, native backend)",
                "2:bad input (not a safetensors file, truncated, no weight layers, unreadable path, bad model file or options)"})
public final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR",
            description = "The checkpoint (.safetensors, PyTorch tensor layout, memory-mapped: any size; or a Hugging Face sharded "
                    + "checkpoint's *.safetensors.index.json), or several, or directories of them (a sweep's: every *.safetensors "
                    + "below, a sharded checkpoint once by its index, in name order), analysed one after another in this JVM with a "
                    + "line each and checkpoints per second at the end.")
    List<Path> inputs;

    @Option(names = "--json", description = "Print JSON instead of the table (spectral fields under WeightWatcher's column names).")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write DIR/index.html with PNG plots (ESDs, alpha per layer, weight histograms).")
    Path reportDir;

    @Option(names = "--model", paramLabel = "FILE", description = "Predict the final accuracy with this model version (JSON, as on the models topic).")
    Path modelFile;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Predict with the latest model of a running Weightcast (its Kafka).")
    String bootstrap;

    @Option(names = "--signing-key-file", paramLabel = "FILE", defaultValue = "${env:WEIGHTCAST_MODELS_SIGNING_KEY_FILE}",
            description = "With --bootstrap: use only a model signed with this key (that Weightcast's models.signing.key.file; "
                    + "default: $WEIGHTCAST_MODELS_SIGNING_KEY_FILE; unset: unverified).")
    Path signingKeyFile;

    @Option(names = "--topic-prefix", paramLabel = "P", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Topic prefix of that Weightcast (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to wait for the broker with --bootstrap (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--activation", paramLabel = "NAME", description = "Hidden activation (e.g. relu), overriding the file's metadata; dead units need a ReLU net.")
    String activation;

    @Option(names = "--step", paramLabel = "N", description = "Training step (epoch) of the checkpoint for the prediction, overriding the metadata.")
    Long step;

    @Option(names = "--planned-steps", paramLabel = "N", description = "Planned steps of the run for the prediction, overriding the metadata.")
    Integer plannedSteps;

    @Option(names = "--progress", negatable = true,
            description = "Progress bar on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--threads", paramLabel = "N", description = "Layers analysed in parallel (default: the number of cores).")
    Integer threads;

    @Option(names = "--verbose", description = "Library logs and stack traces of failures.")
    boolean verbose;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!verbose) {
            QuietLoggers.warnOnly("org.nd4j", "org.bytedeco", "org.deeplearning4j", "org.apache.kafka");
        }
        try {
            run(out, err);
            return 0;
        } catch (AnalyzeFailure e) {
            return fail(err, e.getMessage(), e, e.exitCode());
        } catch (InconsistentSpectrumException e) {
            return fail(err, "spectrum check failed: " + e.getMessage()
                    + " (on AVX-512 hosts run with OPENBLAS_CORETYPE=Haswell, as the weightcast launcher does)", e, 1);
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage(), e, AnalyzeFailure.BAD_INPUT);
        } catch (RuntimeException | OutOfMemoryError e) {
            OutOfMemoryError oom = outOfMemory(e);
            return fail(err, oom != null ? outOfMemoryReason(oom) : "failed: " + e, e, 1);
        }
    }

    /** The out-of-memory error behind {@code e} (ND4J's native allocator wraps its own), or null. */
    static OutOfMemoryError outOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    /** One line saying which memory ran out and what to raise (a 7B checkpoint's embedding needs ~1.5 GB of native memory for its spectrum). */
    static String outOfMemoryReason(OutOfMemoryError e) {
        return "out of memory (" + e.getMessage() + "): spectra hold each layer's matrices in native memory up to "
                + "-Dorg.bytedeco.javacpp.maxbytes (default: -Xmx; a 32000x4096 layer needs ~1.5 GB), one layer per thread; "
                + "raise -Xmx or that cap in JAVA_OPTS, or lower --threads";
    }

    private void run(PrintWriter out, PrintWriter err) {
        if (modelFile != null && bootstrap != null) {
            throw AnalyzeFailure.badInput("give either --model or --bootstrap, not both");
        }
        List<Path> files = CheckpointInputs.expand(inputs);
        if (files.size() > 1 && reportDir != null) {
            throw AnalyzeFailure.badInput("--report writes one checkpoint's page: give one FILE (" + files.size() + " given)");
        }
        SpectralOptions spectral = SpectralOptions.from(Settings.of(settings.merged(Map.of())));
        ProgressBar bar = new ProgressBar(err, progress != null ? progress : ProgressBar.stderrIsTerminal());
        // The model first: a missing broker or a bad model file fails before minutes spent on a large file.
        try (LoadedModel model = loadModel()) {
            if (files.size() == 1) {
                Analysed one = analyze(files.get(0), model, spectral, bar);
                CheckpointReport report = one.report();
                if (reportDir != null) {
                    List<Path> images = ReportWriter.write(reportDir, report, one.checkpoint().tensors(), bar);
                    err.println("report: " + reportDir.resolve("index.html") + " (" + images.size() + " plots)");
                    err.flush();
                }
                if (json) {
                    out.println(Json.string(report.toJson()));
                    out.flush();
                } else {
                    ReportTable.print(report, out);
                }
                return;
            }
            SweepSummary sweep = new SweepSummary(files.size(), json, out, err);
            for (Path file : files) {
                try {
                    sweep.add(analyze(file, model, spectral, bar).report());
                } catch (AnalyzeFailure | IllegalArgumentException e) {
                    sweep.failed(file, e.getMessage()); // one bad file of a sweep does not stop the others
                }
            }
            sweep.finish();
            if (sweep.failures() > 0) {
                throw AnalyzeFailure.badInput(sweep.failures() + " of " + files.size() + " checkpoints could not be analysed (above)");
            }
        }
    }

    /** A checkpoint's report, and the file it was made from (for {@code --report}'s plots). */
    private record Analysed(CheckpointReport report, CheckpointFile checkpoint) {
    }

    /** Everything about one checkpoint, with the seconds each phase took. */
    private Analysed analyze(Path file, LoadedModel model, SpectralOptions spectral, ProgressBar bar) {
        long start = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t = System.nanoTime();
        CheckpointFile checkpoint = CheckpointFile.open(file);
        List<CheckpointTopology.Layer> layers = CheckpointTopology.of(checkpoint.tensors()).layers();
        if (layers.isEmpty()) {
            throw AnalyzeFailure.badInput(file + " has no weight layers (no floating-point tensor with 2 or more dims)");
        }
        t = lap(seconds, "read", t);
        String act = activation != null ? activation : checkpoint.tensors().metadata().get("activation");
        // a mapped file is paged in here, layer by layer: the bar counts its bytes
        bar.start("statistics", layers.stream().mapToLong(CheckpointAnalyzer::layerBytes).sum(), true);
        // layers in parallel, in file order: statistics of a big checkpoint are CPU-bound on one core (BF16: ~1 GB/s)
        int parallel = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        CheckpointFeatures features = CheckpointAnalyzer.analyze(checkpoint.tensors(), act, bar::advance, parallel);
        bar.finish();
        t = lap(seconds, "statistics", t);
        List<LayerSpectrum> spectra = spectra(checkpoint, layers, new SpectralAnalyzer(spectral), bar);
        t = lap(seconds, "spectra", t);
        AccuracyPrediction prediction = model == null ? null
                : AccuracyPrediction.of(model, checkpoint, new AccuracyPrediction.Overrides(step, plannedSteps, activation),
                        new io.weightcast.core.spectral.SpectralReport(spectra).health());
        if (model != null) {
            lap(seconds, "prediction", t);
        }
        seconds.put("total", (System.nanoTime() - start) / 1e9);
        List<String> notes = notes(checkpoint, act, features);
        return new Analysed(CheckpointReport.of(checkpoint, layers, features, spectra, notes, prediction, seconds), checkpoint);
    }

    private static long lap(Map<String, Double> seconds, String phase, long since) {
        long now = System.nanoTime();
        seconds.put(phase, (now - since) / 1e9);
        return now;
    }

    private LoadedModel loadModel() {
        if (modelFile != null) {
            return LoadedModel.fromFile(modelFile);
        }
        if (bootstrap != null) {
            RecordSignature signature = signingKeyFile == null ? RecordSignature.none() : RecordSignature.from(
                    io.weightcast.core.config.Settings.of(java.util.Map.of(CommonKeys.MODELS_SIGNING_KEY_FILE.name(), signingKeyFile.toString())));
            return LoadedModel.fromTopic(bootstrap, new Topics(topicPrefix).models(), Duration.ofSeconds(Math.max(1, timeoutSeconds)),
                    signature);
        }
        return null;
    }

    /**
     * Many layers: spread over a pool with one OpenBLAS thread each (core's advice: one call per core
     * beats threads fighting over one call). A few layers (fewer than two per thread) go one after another
     * with OpenBLAS's own threads, since the largest layer dominates (docs/design-notes.md, "weightcast analyze").
     */
    private List<LayerSpectrum> spectra(CheckpointFile checkpoint, List<CheckpointTopology.Layer> layers,
                                        SpectralAnalyzer analyzer, ProgressBar bar) {
        int parallel = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        bar.start("spectra", layers.size(), false);
        try {
            NativeBlas.ensureAvailable();
            if (parallel == 1 || layers.size() < 2 * parallel) {
                // --threads caps every thread the analysis uses: OpenBLAS would otherwise start one per core
                NativeBlas.threads(parallel);
                List<LayerSpectrum> out = new ArrayList<>();
                for (CheckpointTopology.Layer l : layers) {
                    out.add(analyzer.layer(checkpoint.tensors(), l.name(), l.kernel(), null));
                    bar.advance(1);
                }
                return out;
            }
            NativeBlas.threads(1);
            ForkJoinPool pool = new ForkJoinPool(parallel);
            try {
                return pool.submit(() -> layers.parallelStream().map(l -> {
                    LayerSpectrum s = analyzer.layer(checkpoint.tensors(), l.name(), l.kernel(), pool);
                    bar.advance(1);
                    return s;
                }).toList()).join();
            } finally {
                pool.shutdown();
            }
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("ND4J")) {
                throw AnalyzeFailure.unavailable(e.getMessage(), e);
            }
            throw e;
        } finally {
            bar.finish();
        }
    }

    private static List<String> notes(CheckpointFile checkpoint, String activation, CheckpointFeatures features) {
        List<String> notes = new ArrayList<>();
        Map<String, String> meta = checkpoint.tensors().metadata();
        String parts = meta.get("parts");
        if (parts != null && !parts.strip().equals("1")) {
            notes.add("this file is part " + meta.getOrDefault("part", "?") + " of " + parts
                    + " of a split checkpoint: only its own tensors are analysed");
        }
        if (activation == null) {
            notes.add("activation unknown (no metadata, no --activation): dead units not computed; give --activation relu for a ReLU net");
        } else if (!CheckpointAnalyzer.isRelu(activation)) {
            notes.add("activation " + activation + ": dead units are defined for ReLU nets only");
        }
        notes.addAll(features.notes());
        return notes;
    }

    private int fail(PrintWriter err, String message, Throwable e, int code) {
        err.println("weightcast analyze: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }
}
