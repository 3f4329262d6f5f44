package io.weightcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The presets write, byte for byte, the files the tests wrote by hand before the testkit. */
class CheckpointBuilderTest {

    @Test
    void theMlpIsTheFeatureTestsCheckpoint() {
        int rows = 16;
        int step = 3;
        double[] w1 = new double[rows * 8];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = Math.sin(i + step) * 0.1;
        }
        double[] w2 = new double[4 * rows];
        for (int i = 0; i < w2.length; i++) {
            w2[i] = Math.cos(i) * 0.2;
        }
        byte[] byHand = new SafeTensorsWriter()
                .metadata("run_id", "r").metadata("step", "3").metadata("planned_steps", "10")
                .metadata("activation", "relu").metadata("framework", "test").metadata("metrics", "{\"val_acc\":0.5}")
                .tensor("fc1.weight", DType.F32, new long[] {rows, 8}, w1)
                .tensor("fc1.bias", DType.F32, new long[] {rows}, new double[rows])
                .tensor("fc2.weight", DType.F32, new long[] {4, rows}, w2)
                .toBytes();
        assertThat(CheckpointBuilder.mlp("r", step, rows).meta("metrics", "{\"val_acc\":0.5}").bytes()).isEqualTo(byHand);
    }

    @Test
    void theCnnIsTheIngestTestsCheckpoint() {
        Random r = new Random(42);
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.tensor("conv1.weight", DType.F32, new long[] {16, 1, 3, 3}, gaussian(r, 144));
        w.tensor("conv1.bias", DType.F32, new long[] {16}, gaussian(r, 16));
        w.tensor("conv2.weight", DType.F32, new long[] {16, 16, 3, 3}, gaussian(r, 16 * 144));
        w.tensor("conv2.bias", DType.F32, new long[] {16}, gaussian(r, 16));
        w.tensor("fc.weight", DType.F32, new long[] {10, 32}, gaussian(r, 320));
        w.tensor("fc.bias", DType.F32, new long[] {10}, gaussian(r, 10));
        assertThat(CheckpointBuilder.cnn(42, 32).meta("run_id", "r").bytes()).isEqualTo(w.metadata("run_id", "r").toBytes());
    }

    @Test
    void aNaNReplacesOneValueWithoutShiftingLaterDraws() {
        Random a = new Random(1);
        Random b = new Random(1);
        Fill poisoned = Fill.gaussian(a, 1).withNaNAt(1);
        assertThat(poisoned.at(0)).isEqualTo(b.nextGaussian());
        assertThat(poisoned.at(1)).isNaN();
        b.nextGaussian();
        assertThat(poisoned.at(2)).isEqualTo(b.nextGaussian());
    }

    private static double[] gaussian(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * 0.1;
        }
        return v;
    }
}
