package io.weightcast.core.spectral;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.Pointer;
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
        Map<String, LayerSpectrum> done = layers(file, largestFirst(file), pool);
        return new SpectralReport(layers.stream().map(l -> done.get(l.name())).toList());
    }

    /** The checkpoint's layers in the order {@link #analyze(SafeTensors, ForkJoinPool)} hands them out: most flops first. */
    public List<CheckpointTopology.Layer> largestFirst(SafeTensors file) {
        return CheckpointTopology.of(file).layers().stream()
                .sorted(Comparator.comparingDouble((CheckpointTopology.Layer l) -> flops(l)).reversed()).toList();
    }

    /**
     * Some of a checkpoint's layers (a batch of a long analysis), spread over {@code pool}'s threads in the order given
     * (null: the calling thread); by name, in that order.
     */
    public Map<String, LayerSpectrum> layers(SafeTensors file, List<CheckpointTopology.Layer> batch, ForkJoinPool pool) {
        int count = batch.size();
        LayerSpectrum[] out = new LayerSpectrum[count];
        AtomicInteger next = new AtomicInteger();
        Callable<Void> worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                CheckpointTopology.Layer layer = batch.get(i);
                out[i] = layer(file, layer.name(), layer.kernel(), null);
            }
            return null;
        };
        if (pool == null) {
            try {
                worker.call();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        } else {
            for (Future<Void> f : pool.invokeAll(Collections.nCopies(Math.max(1, Math.min(pool.getParallelism(), count)), worker))) {
                await(f);
            }
        }
        Map<String, LayerSpectrum> byName = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byName.put(batch.get(i).name(), out[i]);
        }
        return byName;
    }

    private static void await(Future<Void> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Estimated flops of {@link #analyze(SafeTensors)} for this checkpoint, from the tensor shapes
     * alone (no weights read): what a caller uses to decide where to compute the spectra.
     */
    public double estimatedFlops(SafeTensors file) {
        return CheckpointTopology.of(file).layers().stream().mapToDouble(this::flops).sum();
    }

    /** Estimated flops of one layer's spectra: its Gram matrices' and eigenvalues', rf·(N·M² + 4/3·M³); 0 when it is skipped. */
    public double flops(CheckpointTopology.Layer layer) {
        return cost(layer.kernel());
    }

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
        long need = nativeBytes(shape);
        if (need > Pointer.maxBytes()) {
            return skipped(name, type, shape, "needs ~" + mib(need) + " MiB of native memory, above the cap of "
                    + mib(Pointer.maxBytes()) + " MiB (-Dorg.bytedeco.javacpp.maxbytes, default -Xmx)");
        }
        try {
            return analyze(LayerMatrices.of(name, file, kernel), pool);
        } catch (OutOfMemoryError e) {
            // a big layer's arrays (native, or a widened heap copy) did not fit now: this layer is skipped, said so; the
            // allocation that failed never happened, so the service and the other layers go on
            LOG.warn("layer {} ({}x{}, rf {}) skipped: out of memory ({})", name, shape[0], shape[1], shape[2], e.getMessage());
            return skipped(name, type, shape, "out of memory: " + e.getMessage());
        }
    }

    /** Native memory one layer's analysis holds at once ({@link #nativeBytes(long[])}); 0 for a layer WeightWatcher skips. */
    public long nativeBytes(CheckpointTopology.Layer layer) {
        if (!LayerMatrices.supports(layer.kernel())) {
            return 0;
        }
        long[] shape = LayerMatrices.shape(layer.kernel());
        return options.skipReason(shape[0], shape[1], shape[2]) != null ? 0 : nativeBytes(shape);
    }

    /**
     * Native memory a layer's analysis holds at once, at most: its rf slices in float64 ({@link NativeSlices}) and the
     * float32 kernel they were widened from (a F16/BF16/FP8 kernel's widened copy; F32 is mapped in place, so this
     * overestimates it), a conv layer's scaled float32 slices too, the M×M Gram matrix, LAPACK's workspace, and for
     * square slices the two M×M factors of {@link SquareCertificate}. Llama's 32000×4096 embedding: ~1.7 GB.
     */
    static long nativeBytes(long[] shape) {
        long n = shape[0];
        long m = shape[1];
        long elements = shape[2] * n * m;
        long perElement = 8 + 4 + (shape[2] > 1 ? 4 : 0);
        long square = n == m ? 2 * m * m : 0;
        return perElement * elements + 8 * (m * m + 70 * m + square);
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
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
