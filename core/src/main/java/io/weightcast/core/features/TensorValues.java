package io.weightcast.core.features;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.FloatView;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * One floating-point tensor read in place, for every analysis of it: a {@link FloatView} for F32 (the data section
 * itself), F16, BF16 and FP8 (widened block by block as they are read: no copy of the tensor), a double view for F64
 * (the data section itself). Not thread-safe (a view is not).
 */
public final class TensorValues {
    private final FloatView floats;
    private final DoubleBuffer doubles;

    private TensorValues(FloatView floats, DoubleBuffer doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    public static TensorValues of(SafeTensors file, TensorInfo t) {
        return t.dtype() == DType.F64 ? new TensorValues(null, file.doubles(t)) : new TensorValues(file.floatView(t), null);
    }

    public static TensorValues of(FloatBuffer floats) {
        return new TensorValues(FloatView.of(floats.slice()), null);
    }

    public static TensorValues of(double[] values) {
        return new TensorValues(null, DoubleBuffer.wrap(values));
    }

    public int size() {
        return floats != null ? floats.size() : doubles.limit();
    }

    public double get(int i) {
        return floats != null ? floats.get(i) : doubles.get(i);
    }

    public TensorSummary summary() {
        return floats != null ? FloatStatistics.of(floats) : TensorSummary.of(doubles);
    }

    /** NaN and ±Inf elements. */
    public long nonfinite() {
        if (floats != null) {
            return FloatStatistics.countNonfinite(floats, floats.size());
        }
        long bad = 0;
        for (int i = 0, n = doubles.limit(); i < n; i++) {
            bad += Double.isFinite(doubles.get(i)) ? 0 : 1;
        }
        return bad;
    }
}
