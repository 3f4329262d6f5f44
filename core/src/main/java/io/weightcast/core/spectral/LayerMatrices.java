package io.weightcast.core.spectral;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.FloatBuffer;
import java.util.List;

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
 */
public record LayerMatrices(String name, LayerType type, int n, int m, int rf, int rows, int cols,
                            List<double[]> slices, long nonfinite) {

    /** float32(√½) = 0.70710677f, the factor numpy applies to a float32 array. */
    static final float CONV2D_SCALE_F32 = (float) Math.sqrt(0.5);
    static final double CONV2D_SCALE_F64 = Math.sqrt(0.5);

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
        if (kernel.dtype() != DType.F64) {
            // F32: one bulk copy out of the data section (or its mapping); F16/BF16/FP8: the array they were widened into
            FloatBuffer view = file.floats(kernel);
            float[] values;
            if (view.hasArray() && view.arrayOffset() == 0 && view.array().length == view.limit()) {
                values = view.array();
            } else {
                values = new float[view.limit()];
                view.get(0, values);
            }
            return of(name, kernel.shape(), values);
        }
        return of(name, kernel.shape(), file.values(kernel), true);
    }

    /** From row-major float32 values of a {@code [out,in]} or {@code [out,in,kh,kw]} kernel. */
    public static LayerMatrices of(String name, long[] shape, float[] values) {
        int out = Math.toIntExact(shape[0]);
        int in = Math.toIntExact(shape[1]);
        int rf = shape.length == 4 ? Math.toIntExact(shape[2] * shape[3]) : 1;
        float scale = shape.length == 4 ? CONV2D_SCALE_F32 : 1f;
        double[][] slices = new double[rf][out * in];
        long nonfinite = 0;
        // Element (o, c) of slice s is values[(o·in + c)·rf + s]; stored at o·in + c, which is Wᵀ column-major.
        for (int at = 0, base = 0; at < out * in; at++, base += rf) {
            for (int s = 0; s < rf; s++) {
                float v = values[base + s];
                if (!Float.isFinite(v)) {
                    nonfinite++;
                }
                slices[s][at] = v * scale;
            }
        }
        return new LayerMatrices(name, shape.length == 4 ? LayerType.CONV2D : LayerType.DENSE,
                Math.max(out, in), Math.min(out, in), rf, in, out, List.of(slices), nonfinite);
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
        int out = Math.toIntExact(shape[0]);
        int in = Math.toIntExact(shape[1]);
        int rf = shape.length == 4 ? Math.toIntExact(shape[2] * shape[3]) : 1;
        double scale = shape.length == 4 ? CONV2D_SCALE_F64 : 1.0;
        double[][] slices = new double[rf][out * in];
        long nonfinite = 0;
        for (int at = 0, base = 0; at < out * in; at++, base += rf) {
            for (int s = 0; s < rf; s++) {
                double v = values[base + s];
                if (!Double.isFinite(v)) {
                    nonfinite++;
                }
                slices[s][at] = v * scale;
            }
        }
        return new LayerMatrices(name, shape.length == 4 ? LayerType.CONV2D : LayerType.DENSE,
                Math.max(out, in), Math.min(out, in), rf, in, out, List.of(slices), nonfinite);
    }

    /** M·rf: the size of the pooled spectrum. */
    public int numEvals() {
        return m * rf;
    }
}
