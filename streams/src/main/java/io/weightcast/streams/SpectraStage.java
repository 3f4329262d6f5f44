package io.weightcast.streams;

import io.weightcast.core.config.Settings;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
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

    private final boolean enabled;
    private final double inlineMaxFlops;
    private final SpectralAnalyzer analyzer;

    SpectraStage(boolean enabled, double inlineMaxFlops, SpectralOptions options) {
        this.enabled = enabled && backendAvailable();
        this.inlineMaxFlops = inlineMaxFlops;
        this.analyzer = new SpectralAnalyzer(options);
    }

    public static SpectraStage from(Settings settings) {
        return new SpectraStage(settings.get(StreamsKeys.SPECTRA_ENABLED), settings.get(StreamsKeys.SPECTRA_INLINE_MAX_FLOPS),
                SpectralOptions.from(settings));
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
