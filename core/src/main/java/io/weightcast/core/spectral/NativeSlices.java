package io.weightcast.core.spectral;

import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_slag2d_work;
import static org.bytedeco.openblas.global.openblas.cblas_dcopy;
import static org.bytedeco.openblas.global.openblas.cblas_ddot;
import static org.bytedeco.openblas.global.openblas.cblas_dscal;
import static org.bytedeco.openblas.global.openblas.cblas_scopy;
import static org.bytedeco.openblas.global.openblas.cblas_sscal;

import io.weightcast.core.safetensors.FloatView;
import java.nio.FloatBuffer;
import java.util.function.LongFunction;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A layer's matrices in native memory: its rf slices as float64, column-major {@code rows × cols}, one after
 * another, with each slice's ‖W‖²_F. This is what the eigen-solvers' BLAS and LAPACK calls read.
 *
 * <p>OpenBLAS itself fills it: the kernel is handed over in place (a memory-mapped F32 tensor) or by one copy,
 * the conv slices are gathered with strided copies, scaled by √½ in float32 ({@code sscal}: one IEEE multiply
 * per weight, the same rounding as WeightWatcher's numpy) and widened exactly ({@code slag2d}). No Java loop
 * touches each weight and no {@code double[]} copy of the layer exists: on ResNet-50 that Java path (slices
 * as {@code double[]}, then copied into native memory) took 0.14–0.27 s of 1.5 s of spectra.
 *
 * <p>One per layer, closed after its spectrum: slices may be read by several threads at once.
 */
public final class NativeSlices implements AutoCloseable {
    /** Memory above this many bytes (128 MB) is freed after use instead of kept for the thread. */
    private static final long KEEP_LIMIT = 128L << 20;
    /** Elements widened per step into native memory (256 KB of heap). */
    private static final int WIDEN_CHUNK = 1 << 16;
    /**
     * Each thread's memory, reused from layer to layer: fresh native memory costs a page fault per 4 KB on
     * first touch (~0.1 s for ResNet-50's 200 MB), which is more than the copies themselves.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> new Scratch(true));

    private final Scratch scratch;
    private final DoublePointer data;
    private final int rows;
    private final int cols;
    private final int count;
    private final double[] frobeniusSquared;

    private NativeSlices(Scratch scratch, DoublePointer data, int rows, int cols, int count) {
        this.scratch = scratch;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.count = count;
        this.frobeniusSquared = new double[count];
        long size = (long) rows * cols;
        for (int s = 0; s < count; s++) {
            frobeniusSquared[s] = cblas_ddot((int) size, slice(s), 1, slice(s), 1);
        }
    }

    /** The layer's slices, filled by OpenBLAS. */
    public static NativeSlices of(LayerMatrices layer) {
        NativeBlas.ensureAvailable();
        int size = layer.size();
        int sliceSize = layer.rows() * layer.cols();
        int rf = layer.rf();
        // A thread waiting on another layer's slices can be handed a whole layer (work stealing): its memory is busy.
        Scratch scratch = SCRATCH.get();
        Scratch own = scratch.busy ? new Scratch(false) : scratch;
        own.busy = true;
        try {
            DoublePointer data = own.data.ensure(size);
            if (layer.float64() == null) {
                fillFloat32(layer, own, data, sliceSize, rf);
            } else {
                DoublePointer source = own.doubles.ensure(size).put(layer.float64());
                gather(source, data, sliceSize, rf);
                if (layer.scale() != 1.0) {
                    cblas_dscal(size, layer.scale(), data, 1);
                }
            }
            return new NativeSlices(own, data, layer.rows(), layer.cols(), rf);
        } catch (RuntimeException | Error e) {
            own.release();
            throw e;
        }
    }

    private static void fillFloat32(LayerMatrices layer, Scratch scratch, DoublePointer data, int sliceSize, int rf) {
        FloatBuffer values = layer.float32();
        int size = layer.size();
        FloatPointer source;
        if (values == null) {
            source = widen(layer.narrow(), scratch.source.ensure(size), size); // F16/BF16/FP8
        } else if (values.isDirect()) {
            source = new FloatPointer(values); // the mapped file in place
        } else {
            source = scratch.source.ensure(size).put(values.array(), values.arrayOffset(), size);
        }
        FloatPointer scaled = source;
        if (rf > 1 || layer.scale() != 1.0) {
            scaled = scratch.slices.ensure(size);
            // element (o, c) of slice s is values[(o·in + c)·rf + s]: a stride-rf gather per slice
            for (int s = 0; s < rf; s++) {
                cblas_scopy(sliceSize, new FloatPointer(source).position(source.position() + s), rf,
                        new FloatPointer(scaled).position((long) s * sliceSize), 1);
            }
            cblas_sscal(size, (float) layer.scale(), scaled, 1);
        }
        int info = LAPACKE_slag2d_work(LAPACK_COL_MAJOR, size, 1, scaled, size, data, size);
        if (info != 0) {
            throw new IllegalStateException("LAPACK slag2d failed (info " + info + ") on layer " + layer.name());
        }
    }

    /** An F16/BF16/FP8 kernel widened into native memory a chunk at a time (no heap copy of the layer). */
    private static FloatPointer widen(FloatView view, FloatPointer target, int size) {
        float[] chunk = new float[Math.min(size, WIDEN_CHUNK)];
        for (int at = 0; at < size; at += chunk.length) {
            int n = Math.min(chunk.length, size - at);
            view.get(at, chunk, 0, n);
            target.position(at).put(chunk, 0, n);
        }
        return target.position(0);
    }

    /** Slice s of a row-major kernel (element j·rf + s) into the s-th block of {@code target}. */
    private static void gather(DoublePointer source, DoublePointer target, int sliceSize, int rf) {
        for (int s = 0; s < rf; s++) {
            cblas_dcopy(sliceSize, new DoublePointer(source).position(s), rf,
                    new DoublePointer(target).position((long) s * sliceSize), 1);
        }
    }

    public int count() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Slice s, column-major: a view of this layer's memory (valid until {@link #close()}; do not close it). */
    public DoublePointer slice(int s) {
        return new DoublePointer(data).position((long) s * rows * cols);
    }

    /** ‖slice s‖²_F = Σ a², the trace its spectrum must add up to; not finite when a weight is not. */
    public double frobeniusSquared(int s) {
        return frobeniusSquared[s];
    }

    /** Whether every weight is finite. */
    public boolean finite() {
        for (double f : frobeniusSquared) {
            if (!Double.isFinite(f)) {
                return false;
            }
        }
        return true;
    }

    /** Slice s as a Java array (the solvers' exact fallback, and solvers without a native entry point). */
    public double[] toArray(int s) {
        double[] out = new double[rows * cols];
        slice(s).get(out);
        return out;
    }

    @Override
    public void close() {
        scratch.release();
    }

    /** One thread's native memory for the layer it fills, grown on demand; a one-off one is freed whole after use. */
    private static final class Scratch {
        final boolean kept;
        final Memory<DoublePointer> data = new Memory<>(DoublePointer::new, Double.BYTES);
        final Memory<DoublePointer> doubles = new Memory<>(DoublePointer::new, Double.BYTES);
        final Memory<FloatPointer> source = new Memory<>(FloatPointer::new, Float.BYTES);
        final Memory<FloatPointer> slices = new Memory<>(FloatPointer::new, Float.BYTES);
        boolean busy;

        Scratch(boolean kept) {
            this.kept = kept;
        }

        void release() {
            busy = false;
            long limit = kept ? KEEP_LIMIT : -1;
            data.trim(limit);
            doubles.trim(limit);
            source.trim(limit);
            slices.trim(limit);
        }
    }

    /** A native array kept between layers, grown on demand. */
    private static final class Memory<P extends Pointer> {
        private final LongFunction<P> allocate;
        private final int width;
        private P pointer;

        Memory(LongFunction<P> allocate, int width) {
            this.allocate = allocate;
            this.width = width;
        }

        P ensure(long size) {
            if (pointer == null || pointer.capacity() < size) {
                free();
                pointer = allocate.apply(Math.max(size, 1));
            }
            pointer.position(0);
            return pointer;
        }

        /** Frees the memory when it holds more than {@code limit} bytes (-1: always). */
        void trim(long limit) {
            if (pointer != null && pointer.capacity() * width > limit) {
                free();
            }
        }

        private void free() {
            if (pointer != null) {
                pointer.close();
                pointer = null;
            }
        }
    }
}
