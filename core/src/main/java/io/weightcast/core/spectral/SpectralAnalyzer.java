package io.weightcast.core.spectral;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WeightWatcher-equal spectral metrics for every weight layer of a checkpoint (design §5 "Spectra").
 * Layers are {@link CheckpointTopology}'s (tensor-name prefix, first kernel with ≥ 2 dims; biases are
 * ignored, as WeightWatcher ignores them). Stateless and thread-safe.
 *
 * <pre>{@code
 * SpectralReport report = new SpectralAnalyzer().analyze(SafeTensors.read(bytes));
 * report.metrics().get("layer1.0.conv1").alpha();
 * // layers in parallel, one OpenBLAS thread each:
 * NativeBlas.threads(1);
 * new SpectralAnalyzer().analyze(file, pool);
 * }</pre>
 *
 * Needs the ND4J CPU backend on the classpath ({@link NativeBlas}).
 */
public final class SpectralAnalyzer {
    private static final Logger LOG = LoggerFactory.getLogger(SpectralAnalyzer.class);

    private final SpectralOptions options;
    private final EigenSolver solver;

    public SpectralAnalyzer() {
        this(SpectralOptions.DEFAULTS);
    }

    public SpectralAnalyzer(SpectralOptions options) {
        this(options, EigenSolver.gram());
    }

    public SpectralAnalyzer(SpectralOptions options, EigenSolver solver) {
        this.options = options;
        this.solver = solver;
    }

    public SpectralOptions options() {
        return options;
    }

    /** All layers, one after another on the calling thread. */
    public SpectralReport analyze(SafeTensors file) {
        return new SpectralReport(CheckpointTopology.of(file).layers().stream()
                .map(layer -> layer(file, layer.name(), layer.kernel(), null)).toList());
    }

    /**
     * All layers spread over {@code pool}'s threads; the numbers equal the sequential ones. Layers are
     * handed out largest first (by flops), so the last one to finish is a small one.
     */
    public SpectralReport analyze(SafeTensors file, ForkJoinPool pool) {
        List<CheckpointTopology.Layer> layers = CheckpointTopology.of(file).layers();
        int count = layers.size();
        List<Integer> largestFirst = IntStream.range(0, count).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> cost(layers.get(i).kernel())).reversed()).toList();
        LayerSpectrum[] out = new LayerSpectrum[count];
        AtomicInteger next = new AtomicInteger();
        Callable<Void> worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                CheckpointTopology.Layer layer = layers.get(largestFirst.get(i));
                out[largestFirst.get(i)] = layer(file, layer.name(), layer.kernel(), null);
            }
            return null;
        };
        for (Future<Void> f : pool.invokeAll(Collections.nCopies(Math.min(pool.getParallelism(), count), worker))) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return new SpectralReport(List.of(out));
    }

    /**
     * Estimated flops of {@link #analyze(SafeTensors)} for this checkpoint, from the tensor shapes
     * alone (no weights read): what a caller uses to decide where to compute the spectra.
     */
    public double estimatedFlops(SafeTensors file) {
        return CheckpointTopology.of(file).layers().stream().mapToDouble(l -> cost(l.kernel())).sum();
    }

    /** Flops of a layer's Gram matrices and eigenvalues, rf·(N·M² + 4/3·M³); 0 when it is skipped. */
    private double cost(TensorInfo kernel) {
        if (!LayerMatrices.supports(kernel)) {
            return 0;
        }
        long[] s = LayerMatrices.shape(kernel);
        double n = s[0];
        double m = s[1];
        return options.skipReason(s[0], s[1], s[2]) != null ? 0 : s[2] * (n * m * m + 4.0 / 3 * m * m * m);
    }

    /**
     * One layer from its kernel tensor.
     *
     * @param pool spreads this layer's slices and xmin candidates over it (for the latency of one
     *             large layer); null for the calling thread
     */
    public LayerSpectrum layer(SafeTensors file, String name, TensorInfo kernel, ForkJoinPool pool) {
        if (!LayerMatrices.supports(kernel)) {
            return skipped(name, null, new long[] {0, 0, 0}, "kernel rank " + kernel.rank()
                    + " is neither Linear [out,in] nor Conv2d [out,in,kh,kw]");
        }
        long[] shape = LayerMatrices.shape(kernel);
        LayerType type = kernel.rank() == 2 ? LayerType.DENSE : LayerType.CONV2D;
        String skip = options.skipReason(shape[0], shape[1], shape[2]);
        if (skip != null) {
            return skipped(name, type, shape, skip);
        }
        return analyze(LayerMatrices.of(name, file, kernel), pool);
    }

    /** One layer from its matrices; {@code pool} as in {@link #layer}. */
    public LayerSpectrum analyze(LayerMatrices layer, ForkJoinPool pool) {
        long start = System.nanoTime();
        EigenSpectrum spectrum;
        try (NativeSlices slices = NativeSlices.of(layer)) {
            if (!slices.finite()) {
                return new LayerSpectrum(SpectralMetrics.without(layer.name(), layer.type(), layer.n(), layer.m(), layer.rf(),
                        SpectralStatus.NO_FIT, layer.nonfinite() + " non-finite weight(s)"), null);
            }
            spectrum = EigenSpectrum.of(layer, slices, solver, pool);
        }
        SpectralMetrics metrics = SpectralMetrics.of(layer, spectrum, options, pool);
        LOG.debug("layer {} ({}x{}, rf {}): alpha {} in {} ms", layer.name(), layer.n(), layer.m(), layer.rf(),
                metrics.alpha(), (System.nanoTime() - start) / 1_000_000);
        return new LayerSpectrum(metrics, spectrum.eigenvalues());
    }

    private static LayerSpectrum skipped(String name, LayerType type, long[] shape, String reason) {
        return new LayerSpectrum(SpectralMetrics.without(name, type, shape[0], shape[1], shape[2], SpectralStatus.SKIPPED, reason), null);
    }
}
