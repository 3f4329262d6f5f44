package io.weightcast.streams;

import io.weightcast.core.config.Settings;
import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a checkpoint's spectra are computed. Small checkpoints (estimated cost up to
 * {@code streams.spectra.inline.max.flops}) get them inline, in the features record; larger ones get
 * a features record at once, without spectra, and their spectra come later on the {@code spectra}
 * topic from a second Kafka Streams application with its own threads ({@link SpectraTopology}), so a
 * large layer's eigen-decomposition never holds up the checkpoints behind it on the features path.
 *
 * <p>Settings: {@link StreamsKeys#SPECTRA_ENABLED}, {@link StreamsKeys#SPECTRA_INLINE_MAX_FLOPS} and the
 * {@code spectral.*} keys of {@link SpectralOptions}.
 */
public final class SpectraStage {
    private static final Logger LOG = LoggerFactory.getLogger(SpectraStage.class);

    enum Path { INLINE, DEFERRED, OFF }

    static final long DEFAULT_STEP_MS = 5_000;

    private final boolean enabled;
    private final double inlineMaxFlops;
    private final SpectralAnalyzer analyzer;
    private final long stepMillis;

    SpectraStage(boolean enabled, double inlineMaxFlops, SpectralOptions options) {
        this(enabled, inlineMaxFlops, options, DEFAULT_STEP_MS);
    }

    SpectraStage(boolean enabled, double inlineMaxFlops, SpectralOptions options, long stepMillis) {
        this.enabled = enabled && backendAvailable();
        this.inlineMaxFlops = inlineMaxFlops;
        this.analyzer = new SpectralAnalyzer(options);
        this.stepMillis = stepMillis;
    }

    public static SpectraStage from(Settings settings) {
        return new SpectraStage(settings.get(StreamsKeys.SPECTRA_ENABLED), settings.get(StreamsKeys.SPECTRA_INLINE_MAX_FLOPS),
                SpectralOptions.from(settings), settings.get(StreamsKeys.SPECTRA_STEP_MS));
    }

    /** A deferred spectra job's step: how long it computes layers before it commits them ({@link SpectraJobs}). */
    long stepMillis() {
        return stepMillis;
    }

    public static SpectraStage off() {
        return new SpectraStage(false, 0, SpectralOptions.DEFAULTS);
    }

    boolean enabled() {
        return enabled;
    }

    Path path(SafeTensors file) {
        if (!enabled) {
            return Path.OFF;
        }
        return analyzer.estimatedFlops(file) <= inlineMaxFlops ? Path.INLINE : Path.DEFERRED;
    }

    /** The per-layer spectra; {@code pool} spreads layers over its threads, null for the calling thread. */
    Map<String, LayerSpectralHealth> compute(SafeTensors file, ForkJoinPool pool) {
        return (pool == null ? analyzer.analyze(file) : analyzer.analyze(file, pool)).health();
    }

    /** A checkpoint's weight layers in the order a long analysis takes them: most flops first. */
    List<CheckpointTopology.Layer> order(SafeTensors file) {
        return analyzer.largestFirst(file);
    }

    /** The estimated flops of one layer's spectra (0 for a layer WeightWatcher skips). */
    double flops(CheckpointTopology.Layer layer) {
        return analyzer.flops(layer);
    }

    /** The native memory one layer's analysis holds at once (0 for a layer WeightWatcher skips). */
    long nativeBytes(CheckpointTopology.Layer layer) {
        return analyzer.nativeBytes(layer);
    }

    /** Some layers' spectra, by name in the order given; {@code pool} as in {@link #compute(SafeTensors, ForkJoinPool)}. */
    Map<String, LayerSpectralHealth> compute(SafeTensors file, List<CheckpointTopology.Layer> batch, ForkJoinPool pool) {
        Map<String, LayerSpectralHealth> out = new LinkedHashMap<>();
        analyzer.layers(file, batch, pool).forEach((name, layer) -> out.put(name, layer.metrics().health()));
        return out;
    }

    /**
     * Without the ND4J backend the service still computes every other feature, and says so once.
     * OpenBLAS runs single-threaded here: the stream threads (and the worker's pool) are the
     * parallelism, and on small matrices a second BLAS thread only adds contention
     * (docs/design-notes.md, "Streams").
     */
    private static boolean backendAvailable() {
        try {
            NativeBlas.ensureAvailable();
            NativeBlas.threads(1);
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("spectral features are off: the ND4J CPU backend did not load ({})", e.toString());
            return false;
        }
    }
}
