package io.weightcast.core.spectral;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.FloatView;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The matrices WeightWatcher analyses for one layer, built from a PyTorch-layout kernel.
 * A Linear kernel {@code [out,in]} is one matrix; a Conv2d kernel {@code [out,in,kh,kw]} is the
 * {@code kh·kw} slices {@code W[:,:,i,j]} (rf = kh·kw), each multiplied by √½ (WeightWatcher's default
 * conv2d normalisation). N is the larger side, M the smaller; the layer has M·rf eigenvalues.
 *
 * <p>Each slice is stored column-major with {@code rows = in} and {@code cols = out}, i.e. as Wᵀ: a
 * row-major Linear kernel is then used as is, and Wᵀ has the same singular values as W.
 *
 * <p>The √½ is applied in float32 (the weight times {@code (float) √½}, rounded to float), exactly as
 * WeightWatcher multiplies a float32 numpy array by a scalar; scaling in float64 instead moves the
 * smallest eigenvalues by up to 2e-5 relative. F64 kernels are scaled in float64.
 *
 * <p>It holds the kernel as given (a float view of the checkpoint, in place where the file is memory-mapped; an
 * F16, BF16 or FP8 kernel as a widening {@link FloatView}, which {@link NativeSlices} widens chunk by chunk straight
 * into native memory, so no heap copy of the layer exists) and cuts it into slices only when asked: the solvers get them from {@link NativeSlices}, which OpenBLAS fills
 * without a {@code double[]} copy of the layer ({@link #slices()} is the plain-Java form of the same numbers).
 */
public final class LayerMatrices {

    /** float32(√½) = 0.70710677f, the factor numpy applies to a float32 array. */
    static final float CONV2D_SCALE_F32 = (float) Math.sqrt(0.5);
    static final double CONV2D_SCALE_F64 = Math.sqrt(0.5);

    private final String name;
    private final LayerType type;
    private final int out;
    private final int in;
    private final int rf;
    /** The kernel's row-major values: exactly one of the three is set. */
    private final FloatBuffer f32;
    private final double[] f64;
    /** F16/BF16/FP8: a new widening view per use (a view is not thread-safe). */
    private final Supplier<FloatView> narrow;
    private long nonfinite = -1;

    private LayerMatrices(String name, long[] shape, FloatBuffer f32, double[] f64) {
        this(name, shape, f32, f64, null);
    }

    private LayerMatrices(String name, long[] shape, FloatBuffer f32, double[] f64, Supplier<FloatView> narrow) {
        this.name = name;
        this.type = shape.length == 4 ? LayerType.CONV2D : LayerType.DENSE;
        this.out = Math.toIntExact(shape[0]);
        this.in = Math.toIntExact(shape[1]);
        this.rf = shape.length == 4 ? Math.toIntExact(shape[2] * shape[3]) : 1;
        this.f32 = f32;
        this.f64 = f64;
        this.narrow = narrow;
        long count = (long) out * in * rf;
        long have = f32 != null ? f32.limit() : f64 != null ? f64.length : narrow.get().size();
        if (have != count) {
            throw new IllegalArgumentException("kernel " + name + " has " + have
                    + " values, its shape " + Arrays.toString(shape) + " needs " + count);
        }
    }

    /** Whether WeightWatcher's defaults analyse a kernel of this rank (2: Linear, 4: Conv2d). */
    public static boolean supports(TensorInfo kernel) {
        return kernel.rank() == 2 || kernel.rank() == 4;
    }

    /** The shape of the layer's matrices without reading the weights: {N, M, rf}. */
    public static long[] shape(TensorInfo kernel) {
        long out = kernel.shape()[0];
        long in = kernel.shape()[1];
        long rf = kernel.rank() == 4 ? kernel.shape()[2] * kernel.shape()[3] : 1;
        return new long[] {Math.max(out, in), Math.min(out, in), rf};
    }

    public static LayerMatrices of(String name, SafeTensors file, TensorInfo kernel) {
        if (!supports(kernel)) {
            throw new IllegalArgumentException("kernel " + kernel + " is neither Linear [out,in] nor Conv2d [out,in,kh,kw]");
        }
        if (kernel.dtype() != DType.F64 && kernel.dtype() != DType.F32) {
            // F16/BF16/FP8: widened as NativeSlices reads them, into native memory
            return new LayerMatrices(name, kernel.shape(), null, null, () -> file.floatView(kernel));
        }
        if (kernel.dtype() != DType.F64) {
            // F32: the data section in place (mapped: no copy at all)
            FloatBuffer view = file.floats(kernel);
            if (!view.isDirect() && !view.hasArray()) {
                float[] values = new float[view.limit()];
                view.get(0, values);
                view = FloatBuffer.wrap(values);
            }
            return new LayerMatrices(name, kernel.shape(), view, null);
        }
        return of(name, kernel.shape(), file.values(kernel), true);
    }

    /** From row-major float32 values of a {@code [out,in]} or {@code [out,in,kh,kw]} kernel. */
    public static LayerMatrices of(String name, long[] shape, float[] values) {
        return new LayerMatrices(name, shape, FloatBuffer.wrap(values), null);
    }

    /** From a float view of row-major values (in place: a direct buffer is handed to OpenBLAS as it is). */
    static LayerMatrices of(FloatBuffer values, String name, long[] shape) {
        return new LayerMatrices(name, shape, values, null);
    }

    /**
     * From row-major values of a {@code [out,in]} or {@code [out,in,kh,kw]} kernel; unless {@code float64}
     * they must be float32 values (F32, F16 and BF16 all are) and conv slices are scaled in float32.
     */
    public static LayerMatrices of(String name, long[] shape, double[] values, boolean float64) {
        if (!float64) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return of(name, shape, f);
        }
        return new LayerMatrices(name, shape, null, values);
    }

    public String name() {
        return name;
    }

    public LayerType type() {
        return type;
    }

    /** The larger side of each matrix. */
    public int n() {
        return Math.max(out, in);
    }

    /** The smaller side of each matrix: its number of eigenvalues. */
    public int m() {
        return Math.min(out, in);
    }

    /** Matrices (slices) in the layer: kh·kw for a Conv2d, 1 for a Linear. */
    public int rf() {
        return rf;
    }

    /** Rows of each column-major slice: the kernel's {@code in}. */
    public int rows() {
        return in;
    }

    /** Columns of each column-major slice: the kernel's {@code out}. */
    public int cols() {
        return out;
    }

    /** M·rf: the size of the pooled spectrum. */
    public int numEvals() {
        return m() * rf;
    }

    /** Non-finite weights in the kernel (counted on first use). */
    public synchronized long nonfinite() {
        if (nonfinite < 0) {
            long count = 0;
            FloatView view = narrow == null ? null : narrow.get();
            for (int i = 0, size = size(); i < size; i++) {
                if (f64 != null ? !Double.isFinite(f64[i]) : !Float.isFinite(view != null ? view.get(i) : f32.get(i))) {
                    count++;
                }
            }
            nonfinite = count;
        }
        return nonfinite;
    }

    /** The kernel's values, row-major, float32 (null for an F64 kernel). */
    FloatBuffer float32() {
        return f32;
    }

    /** A new widening view of an F16/BF16/FP8 kernel's values, row-major (null for F32 and F64 kernels). */
    FloatView narrow() {
        return narrow == null ? null : narrow.get();
    }

    /** The kernel's values, row-major, float64 (null for a float32 kernel). */
    double[] float64() {
        return f64;
    }

    /** Elements of the kernel: rf slices of rows·cols. */
    int size() {
        return out * in * rf;
    }

    /** The scale every slice is multiplied by: √½ for a Conv2d (in float32 for a float32 kernel), else 1. */
    double scale() {
        return type == LayerType.CONV2D ? (f64 == null ? CONV2D_SCALE_F32 : CONV2D_SCALE_F64) : 1.0;
    }

    /**
     * The rf slices as column-major {@code rows × cols} float64 arrays, scaled: the plain-Java form of what
     * {@link NativeSlices} holds (tests and small callers; the solvers do not need it).
     */
    public List<double[]> slices() {
        double[][] slices = new double[rf][out * in];
        float scale32 = CONV2D_SCALE_F32;
        FloatView view = narrow();
        // Element (o, c) of slice s is values[(o·in + c)·rf + s]; stored at o·in + c, which is Wᵀ column-major.
        for (int at = 0, base = 0; at < out * in; at++, base += rf) {
            for (int s = 0; s < rf; s++) {
                if (f64 == null) {
                    float v = view != null ? view.get(base + s) : f32.get(base + s);
                    slices[s][at] = type == LayerType.CONV2D ? v * scale32 : v;
                } else {
                    slices[s][at] = f64[base + s] * scale();
                }
            }
        }
        return List.of(slices);
    }
}
