package io.weightcast.core.features;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * One floating-point tensor decoded once, for every analysis of it: a float view for F32 (the data
 * section itself), F16 and BF16 (widened once), a double view for F64 (the data section itself).
 */
public final class TensorValues {
    private final FloatBuffer floats;
    private final DoubleBuffer doubles;

    private TensorValues(FloatBuffer floats, DoubleBuffer doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    public static TensorValues of(SafeTensors file, TensorInfo t) {
        return t.dtype() == DType.F64 ? new TensorValues(null, file.doubles(t)) : new TensorValues(file.floats(t), null);
    }

    public static TensorValues of(FloatBuffer floats) {
        return new TensorValues(floats.slice(), null);
    }

    public static TensorValues of(double[] values) {
        return new TensorValues(null, DoubleBuffer.wrap(values));
    }

    public int size() {
        return floats != null ? floats.limit() : doubles.limit();
    }

    public double get(int i) {
        return floats != null ? floats.get(i) : doubles.get(i);
    }

    public TensorSummary summary() {
        return floats != null ? TensorSummary.of(floats) : TensorSummary.of(doubles);
    }

    /** NaN and ±Inf elements. */
    public long nonfinite() {
        long bad = 0;
        if (floats != null) {
            for (int i = 0, n = floats.limit(); i < n; i++) {
                bad += Float.isFinite(floats.get(i)) ? 0 : 1;
            }
        } else {
            for (int i = 0, n = doubles.limit(); i < n; i++) {
                bad += Double.isFinite(doubles.get(i)) ? 0 : 1;
            }
        }
        return bad;
    }
}
