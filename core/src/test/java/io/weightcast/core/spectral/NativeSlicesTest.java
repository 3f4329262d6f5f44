package io.weightcast.core.spectral;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The native slices OpenBLAS fills are, bit for bit, the plain-Java slices of {@link LayerMatrices#slices()}. */
class NativeSlicesTest {
    private final Random random = new Random(7);

    @Test
    void convSlicesAreGatheredAndScaledInFloat32LikeTheJavaSlices() {
        float[] values = randomFloats(5 * 3 * 3 * 2);
        assertSameAsJava(LayerMatrices.of("conv", new long[] {5, 3, 3, 2}, values));
    }

    @Test
    void denseKernelsAreWidenedAsTheyAre() {
        assertSameAsJava(LayerMatrices.of("dense", new long[] {7, 4}, randomFloats(28)));
    }

    @Test
    void float64KernelsAreScaledInFloat64() {
        double[] values = new double[4 * 2 * 1 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        LayerMatrices layer = LayerMatrices.of("conv64", new long[] {4, 2, 1, 3}, values, true);
        assertSameAsJava(layer);
        try (NativeSlices slices = NativeSlices.of(layer)) {
            assertThat(slices.toArray(2)[0]).isEqualTo(values[2] * Math.sqrt(0.5));
        }
    }

    @Test
    void aDirectBufferIsReadInPlace() {
        float[] values = randomFloats(6 * 4 * 2 * 2);
        ByteBuffer bytes = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        FloatBuffer direct = bytes.asFloatBuffer();
        assertThat(direct.isDirect()).isTrue();
        LayerMatrices mapped = LayerMatrices.of("conv", new long[] {6, 4, 2, 2}, values);
        try (NativeSlices fromArray = NativeSlices.of(mapped);
             NativeSlices fromDirect = NativeSlices.of(directLayer(direct))) {
            for (int s = 0; s < 4; s++) {
                assertThat(fromDirect.toArray(s)).containsExactly(fromArray.toArray(s));
            }
        }
    }

    @Test
    void aNonFiniteWeightMakesTheSlicesNotFinite() {
        float[] values = randomFloats(3 * 3 * 1 * 2);
        values[5] = Float.POSITIVE_INFINITY;
        LayerMatrices layer = LayerMatrices.of("conv", new long[] {3, 3, 1, 2}, values);
        try (NativeSlices slices = NativeSlices.of(layer)) {
            assertThat(slices.finite()).isFalse();
        }
        assertThat(layer.nonfinite()).isEqualTo(1);
        values[5] = 1f;
        try (NativeSlices slices = NativeSlices.of(LayerMatrices.of("conv", new long[] {3, 3, 1, 2}, values))) {
            assertThat(slices.finite()).isTrue();
        }
    }

    @Test
    void theGramSolverGivesTheSameSpectrumFromNativeSlicesAsFromArrays() {
        LayerMatrices layer = LayerMatrices.of("conv", new long[] {9, 5, 3, 3}, randomFloats(9 * 5 * 9));
        List<double[]> java = layer.slices();
        try (NativeSlices slices = NativeSlices.of(layer)) {
            for (int s = 0; s < slices.count(); s++) {
                assertThat(EigenSolver.gram().eigenvalues(slices, s))
                        .containsExactly(EigenSolver.gram().eigenvalues(java.get(s), layer.rows(), layer.cols()));
            }
        }
    }

    /** F16/BF16 kernels of a checkpoint are widened chunk by chunk into native memory: the slices of the widened array. */
    @Test
    void narrowKernelsAreWidenedStraightIntoNativeMemory() {
        for (io.weightcast.core.safetensors.DType dtype : new io.weightcast.core.safetensors.DType[] {
            io.weightcast.core.safetensors.DType.BF16, io.weightcast.core.safetensors.DType.F16}) {
            for (long[] shape : new long[][] {{5, 3, 3, 2}, {300, 250}}) {
                int count = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                double[] values = new double[count];
                for (int i = 0; i < count; i++) {
                    values[i] = random.nextGaussian();
                }
                values[count - 1] = Double.NaN;
                io.weightcast.core.safetensors.SafeTensors file = io.weightcast.core.safetensors.SafeTensors.read(
                        new io.weightcast.core.safetensors.SafeTensorsWriter().tensor("w.weight", dtype, shape, values).toBytes());
                io.weightcast.core.safetensors.TensorInfo t = file.tensor("w.weight");
                LayerMatrices narrow = LayerMatrices.of("w", file, t);
                assertThat(narrow.float32()).isNull(); // no widened copy held
                float[] widened = new float[count];
                file.floats(t).get(0, widened);
                LayerMatrices array = LayerMatrices.of("w", shape, widened);
                assertThat(narrow.slices()).hasSize(array.rf());
                for (int s = 0; s < array.rf(); s++) {
                    assertThat(narrow.slices().get(s)).containsExactly(array.slices().get(s));
                }
                try (NativeSlices a = NativeSlices.of(narrow); NativeSlices b = NativeSlices.of(array)) {
                    for (int s = 0; s < a.count(); s++) {
                        assertThat(a.toArray(s)).as(dtype + " slice " + s).containsExactly(b.toArray(s));
                    }
                }
                assertThat(narrow.nonfinite()).isEqualTo(1).isEqualTo(array.nonfinite());
            }
        }
    }

    private void assertSameAsJava(LayerMatrices layer) {
        List<double[]> java = layer.slices();
        try (NativeSlices slices = NativeSlices.of(layer)) {
            assertThat(slices.count()).isEqualTo(layer.rf()).isEqualTo(java.size());
            for (int s = 0; s < slices.count(); s++) {
                assertThat(slices.toArray(s)).containsExactly(java.get(s));
                double sum = 0;
                for (double v : java.get(s)) {
                    sum += v * v;
                }
                assertThat(slices.frobeniusSquared(s)).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-12 * sum));
            }
        }
    }

    private static LayerMatrices directLayer(FloatBuffer direct) {
        return LayerMatrices.of(direct, "conv", new long[] {6, 4, 2, 2});
    }

    private float[] randomFloats(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
