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
