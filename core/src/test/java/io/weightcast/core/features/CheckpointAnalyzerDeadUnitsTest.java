package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import org.junit.jupiter.api.Test;

/** The weight criterion for dead units and BatchNorm (a ResNet's conv→BN→ReLU). */
class CheckpointAnalyzerDeadUnitsTest {

    /** conv1 → conv2 (no bias, both units' weights ≤ 0) → [bn2] → fc (with a bias; one unit's row ≤ 0). */
    private static SafeTensors net(boolean batchNorm) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("activation", "relu")
                .tensor("conv1.weight", DType.F32, new long[] {2, 1, 1, 1}, new double[] {1, 1})
                .tensor("conv2.weight", DType.F32, new long[] {2, 2, 1, 1}, new double[] {-1, -2, -3, 0});
        if (batchNorm) {
            w.tensor("bn2.weight", DType.F32, new long[] {2}, new double[] {1, 1})
                    .tensor("bn2.bias", DType.F32, new long[] {2}, new double[] {0.5, 0.5})
                    .tensor("bn2.running_mean", DType.F32, new long[] {2}, new double[] {-1, -1})
                    .tensor("bn2.running_var", DType.F32, new long[] {2}, new double[] {1, 1});
        }
        return SafeTensors.read(w.tensor("fc.weight", DType.F32, new long[] {2, 2}, new double[] {-1, -1, 1, 1})
                .tensor("fc.bias", DType.F32, new long[] {2}, new double[] {-0.5, 0.5})
                .toBytes());
    }

    @Test
    void withoutBatchNormNonPositiveWeightsAreDead() {
        CheckpointFeatures f = CheckpointAnalyzer.analyze(net(false), "relu");
        assertThat(f.deadFractions()).containsEntry("conv2", 1.0).containsEntry("fc", 0.5).doesNotContainKey("conv1");
    }

    @Test
    void aLayerFeedingBatchNormIsNotJudgedByItsWeights() {
        CheckpointFeatures f = CheckpointAnalyzer.analyze(net(true), "relu");
        assertThat(f.deadFractions()).doesNotContainKey("conv2").containsEntry("fc", 0.5);
        assertThat(f.layers().get(1).get("dead_fraction")).isNaN();
        assertThat(f.layers()).extracting(LayerFeatures::name).containsExactly("conv1", "conv2", "fc");
    }
}
