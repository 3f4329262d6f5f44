package io.weightcast.app.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticCheckpointsTest {

    @Test
    void theDefaultIsTheDigitsCnnWithTheBenchMetadata() {
        SyntheticCheckpoints gen = SyntheticCheckpoints.of(4970, 1);
        SafeTensors file = SafeTensors.read(gen.checkpoint("bench-run", 7));

        assertThat(gen.parameters()).isEqualTo(4970);
        assertThat(file.tensors()).extracting(TensorInfo::name).containsExactly("conv1.weight", "conv1.bias",
                "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "dense.weight", "dense.bias");
        assertThat(file.metadata()).containsEntry("run_id", "bench-run").containsEntry("step", "7")
                .containsEntry("planned_steps", "18").containsEntry("activation", "relu").containsEntry("framework", "bench");
        double[] conv2 = file.values(file.tensors().stream().filter(t -> t.name().equals("conv2.weight")).findFirst().orElseThrow());
        double bound = 1 / Math.sqrt(144);
        long inside = java.util.Arrays.stream(conv2).filter(v -> Math.abs(v) <= 1.5 * bound).count();
        assertThat(inside).as("weights near PyTorch's init scale").isGreaterThan(conv2.length * 9 / 10);
        assertThat(java.util.Arrays.stream(conv2).distinct().count()).isGreaterThan(conv2.length / 2);
    }

    @Test
    void stepsOfARunDifferAndRunsDiffer() {
        SyntheticCheckpoints gen = SyntheticCheckpoints.of(4970, 1);
        assertThat(gen.checkpoint("a", 1)).isNotEqualTo(gen.checkpoint("a", 2));
        assertThat(gen.checkpoint("a", 1)).isNotEqualTo(gen.checkpoint("b", 1));
        assertThat(gen.checkpoint("a", 3)).isEqualTo(gen.checkpoint("a", 3));
    }

    @Test
    void aLargeParameterCountBuildsLinearLayersOfAboutThatSize() {
        List<SyntheticCheckpoints.Tensor> layout = SyntheticCheckpoints.linearStack(25_000_000);
        long total = layout.stream().mapToLong(t -> t.shape().length == 2 ? t.shape()[0] * t.shape()[1] : t.shape()[0]).sum();
        assertThat(total).isBetween(24_500_000L, 25_500_000L);
        assertThat(layout).extracting(SyntheticCheckpoints.Tensor::name).contains("fc1.weight", "head.bias");

        SyntheticCheckpoints small = SyntheticCheckpoints.of(200_000, 3);
        SafeTensors file = SafeTensors.read(small.checkpoint("big", 2));
        assertThat(small.parameters()).isBetween(190_000L, 210_000L);
        assertThat(file.metadata()).containsEntry("step", "2");
    }

    @Test
    void latencyPercentilesAreNearestRank() {
        LatencyRecorder r = new LatencyRecorder();
        for (int i = 100; i >= 1; i--) {
            r.record(i);
        }
        LatencyRecorder.Summary s = r.summary();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50()).isEqualTo(50.0);
        assertThat(s.p95()).isEqualTo(95.0);
        assertThat(s.p99()).isEqualTo(99.0);
        assertThat(s.max()).isEqualTo(100.0);
        assertThat(s.mean()).isEqualTo(50.5);
        assertThat(new LatencyRecorder().summary().p50()).isNull();
    }
}
