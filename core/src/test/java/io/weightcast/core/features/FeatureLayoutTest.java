package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureLayoutTest {

    /** A two-layer ReLU net where the second layer has one of two units dead. */
    static SafeTensors tinyNet(double nanAt) {
        return SafeTensors.read(new SafeTensorsWriter()
                .metadata("run_id", "r1").metadata("step", "2").metadata("planned_steps", "4")
                .metadata("activation", "relu").metadata("metrics", "{\"val_acc\":0.5,\"train_loss\":1.25}")
                .tensor("fc1.weight", DType.F32, new long[] {2, 2}, new double[] {1, 2, 3, nanAt})
                .tensor("fc1.bias", DType.F32, new long[] {2}, new double[] {0.5, -0.5})
                .tensor("bn.weight", DType.F32, new long[] {2}, new double[] {1, 1})
                .tensor("fc2.weight", DType.F32, new long[] {2, 2}, new double[] {-1, -1, 1, 1})
                .tensor("fc2.bias", DType.F32, new long[] {2}, new double[] {-0.25, 0.75})
                .toBytes());
    }

    @Test
    void namesAreFixedAndUnique() {
        int hp = HyperparameterFeatures.NAMES.size();
        assertThat(FeatureLayout.size()).isEqualTo(20 * 5 + 8 * 5 + 5 + 4 + LearningCurveFeatures.size() + hp);
        assertThat(FeatureLayout.names().subList(FeatureLayout.size() - hp - LearningCurveFeatures.size(), FeatureLayout.size() - hp))
                .isEqualTo(LearningCurveFeatures.NAMES);
        assertThat(FeatureLayout.names().subList(FeatureLayout.size() - hp, FeatureLayout.size())).isEqualTo(HyperparameterFeatures.NAMES);
        assertThat(FeatureLayout.names()).doesNotHaveDuplicates();
        assertThat(FeatureLayout.names().get(0)).isEqualTo("kernel_mean_first");
    }

    @Test
    void curveSectionComesFromTheEarlierStepsAndThisOne() {
        SafeTensors file = tinyNet(4);
        CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), "r1");
        List<Map<String, Double>> earlier = List.of(Map.of("val_acc", 0.3, "val_loss", 2.0), Map.of("val_acc", 0.7, "val_loss", 1.5));
        double[] x = FeatureExtractor.extract(file, meta, 0L, null, earlier).values();
        assertThat(x[FeatureLayout.indexOf("curve_val_acc_best")]).isEqualTo(0.7);
        assertThat(x[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.7);
        assertThat(x[FeatureLayout.indexOf("curve_val_acc_prev2")]).isEqualTo(0.3);
        assertThat(x[FeatureLayout.indexOf("curve_val_acc_delta1")]).isCloseTo(-0.2, within(1e-12));
        assertThat(x[FeatureLayout.indexOf("curve_val_loss_min")]).isEqualTo(1.5); // this checkpoint reports no val_loss

        double[] alone = FeatureExtractor.extract(file, meta, 0L).values();
        assertThat(alone[FeatureLayout.indexOf("curve_val_acc_best")]).isEqualTo(0.5);
        assertThat(alone[FeatureLayout.indexOf("curve_val_acc_prev1")]).isNaN();
        List<Map<String, Double>> history = new java.util.ArrayList<>(earlier);
        history.add(meta.metrics());
        assertThat(FeatureLayout.withCurve(alone, history)).isEqualTo(x);
        assertThat(LearningCurveFeatures.NAMES).noneMatch(FeatureLayout::isWeightFeature);
    }

    @Test
    void hyperparameterSectionComesFromTheCheckpointsHparamsMetadata() {
        SafeTensors plain = tinyNet(4);
        Map<String, String> meta = new java.util.LinkedHashMap<>(plain.metadata());
        meta.put("hparams", "{\"lr\":0.01,\"l2\":0,\"dropout\":0.25,\"batch_size\":32,\"optimizer\":\"Adam\","
                + "\"init\":\"he\",\"init_std\":null,\"train_fraction\":\"half\",\"nested\":{\"a\":1}}");
        CheckpointMetadata m = CheckpointMetadata.parse(meta, "r1");
        assertThat(m.hparams()).containsOnlyKeys("lr", "l2", "dropout", "batch_size", "optimizer", "init", "train_fraction");
        double[] x = FeatureExtractor.extract(plain, m, 0L).values();
        assertThat(x[FeatureLayout.indexOf("hp_log10_learning_rate")]).isCloseTo(-2, within(1e-12)); // "lr" is an alias
        assertThat(x[FeatureLayout.indexOf("hp_log10_weight_decay")]).isEqualTo(-12.0); // no decay: below any real one
        assertThat(x[FeatureLayout.indexOf("hp_dropout")]).isEqualTo(0.25);
        assertThat(x[FeatureLayout.indexOf("hp_log2_batch_size")]).isCloseTo(5, within(1e-12));
        assertThat(x[FeatureLayout.indexOf("hp_log10_init_std")]).isNaN();
        assertThat(x[FeatureLayout.indexOf("hp_train_fraction")]).isNaN(); // a word where a number belongs: missing
        assertThat(x[FeatureLayout.indexOf("hp_momentum")]).isNaN();
        double adam = x[FeatureLayout.indexOf("hp_optimizer")];
        assertThat(adam).isBetween(0.0, 1.0).isEqualTo(HyperparameterFeatures.code("adam")); // case-insensitive
        assertThat(adam).isNotEqualTo(HyperparameterFeatures.code("sgd"));
        // the activation falls back to the checkpoint's own metadata
        assertThat(x[FeatureLayout.indexOf("hp_activation")]).isEqualTo(HyperparameterFeatures.code("relu"));

        double[] alone = FeatureExtractor.extract(plain, CheckpointMetadata.parse(plain.metadata(), "r1"), 0L).values();
        assertThat(alone[FeatureLayout.indexOf("hp_log10_learning_rate")]).isNaN();
        assertThat(FeatureLayout.withHyperparameters(alone, m.hparams(), "relu")).isEqualTo(x);
        assertThat(HyperparameterFeatures.NAMES).noneMatch(FeatureLayout::isWeightFeature);
    }

    @Test
    void hparamsThatAreNotAJsonObjectAreAMalformedCheckpoint() {
        Map<String, String> meta = new java.util.LinkedHashMap<>(tinyNet(4).metadata());
        meta.put("hparams", "[1, 2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CheckpointMetadata.parse(meta, "r1"))
                .isInstanceOf(io.weightcast.core.records.MalformedRecordException.class)
                .hasMessageContaining("metadata 'hparams' is not a JSON object");
    }

    @Test
    void flattensLayersIntoFirstLastMeanMinMax() {
        SafeTensors file = tinyNet(4);
        CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), "r1");
        FeatureVector v = FeatureExtractor.extract(file, meta, 123L);
        double[] x = v.values();
        assertThat(x).hasSize(FeatureLayout.size());
        assertThat(x[FeatureLayout.indexOf("kernel_mean_first")]).isEqualTo(2.5);
        assertThat(x[FeatureLayout.indexOf("kernel_mean_last")]).isEqualTo(0.0);
        assertThat(x[FeatureLayout.indexOf("kernel_mean_mean")]).isEqualTo(1.25);
        assertThat(x[FeatureLayout.indexOf("kernel_p100_max")]).isEqualTo(4.0);
        assertThat(x[FeatureLayout.indexOf("max_bias_min")]).isEqualTo(0.5);
        assertThat(x[FeatureLayout.indexOf("dead_fraction_max")]).isEqualTo(0.5);
        assertThat(x[FeatureLayout.indexOf("dead_fraction_first")]).isNaN();
        assertThat(x[FeatureLayout.indexOf("layer_count")]).isEqualTo(2);
        assertThat(x[FeatureLayout.indexOf("param_count")]).isEqualTo(12);
        assertThat(x[FeatureLayout.indexOf("step_fraction")]).isEqualTo(0.5);
        assertThat(x[FeatureLayout.indexOf("metric_val_acc")]).isEqualTo(0.5);
        assertThat(x[FeatureLayout.indexOf("metric_train_acc")]).isNaN();
        assertThat(v.health().deadFractions()).isEqualTo(Map.of("fc2", 0.5));
        assertThat(v.health().nonfiniteValues()).isZero();
        assertThat(v.checkpointTimestamp()).isEqualTo(123L);
    }

    @Test
    void spectraFillTheirSectionAggregatedOverLayersAndTravelInHealth() {
        SafeTensors file = tinyNet(4);
        CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), "r1");
        Map<String, LayerSpectralHealth> spectra = new java.util.LinkedHashMap<>();
        spectra.put("fc1", new LayerSpectralHealth("skipped", null, null, null, null, null, null, null, null, null));
        spectra.put("fc2", new LayerSpectralHealth("success", 12, 0, 3.0, 1.5, 0.7, 0.5, 2.1, 1.4, 0.08));
        spectra.put("fc3", new LayerSpectralHealth("success", 20, 2, 5.0, 4.0, 0.9, 0.8, 4.5, 1.1, 0.05));
        FeatureVector v = FeatureExtractor.extract(file, meta, 0L, spectra);
        double[] x = v.values();
        assertThat(x[FeatureLayout.indexOf("alpha_first")]).isNaN(); // the first layer was skipped: no number invented
        assertThat(x[FeatureLayout.indexOf("alpha_last")]).isEqualTo(5.0);
        assertThat(x[FeatureLayout.indexOf("alpha_mean")]).isEqualTo(4.0);
        assertThat(x[FeatureLayout.indexOf("alpha_min")]).isEqualTo(3.0);
        assertThat(x[FeatureLayout.indexOf("rank_loss_max")]).isEqualTo(2.0);
        assertThat(x[FeatureLayout.indexOf("ks_distance_min")]).isEqualTo(0.05);
        assertThat(v.health().spectra()).containsOnlyKeys("fc1", "fc2", "fc3");

        FeatureVector without = FeatureExtractor.extract(file, meta, 0L);
        assertThat(FeatureLayout.spectralNames()).allSatisfy(n -> assertThat(without.values()[FeatureLayout.indexOf(n)]).isNaN());
        assertThat(without.health().spectra()).isNull();
        // filling the section later (the spectra topic) gives the same vector as computing it inline
        assertThat(FeatureLayout.withSpectra(without.values(), FeatureLayout.spectralSection(spectra))).containsExactly(x);
    }

    @Test
    void spectralNamesAreOneContiguousBlockAndNotMetrics() {
        int first = FeatureLayout.indexOf(FeatureLayout.spectralNames().get(0));
        for (int i = 0; i < FeatureLayout.spectralNames().size(); i++) {
            assertThat(FeatureLayout.names().get(first + i)).isEqualTo(FeatureLayout.spectralNames().get(i));
        }
        assertThat(FeatureLayout.spectralNames()).hasSize(40).allMatch(FeatureLayout::isWeightFeature);
        assertThat(FeatureLayout.isSpectralFeature("kernel_l2_mean")).isFalse();
    }

    @Test
    void measuredDeadFractionsReportedByTheLoopRaiseTheWeightCriterion() {
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .metadata("step", "1").metadata("activation", "relu")
                .metadata("metrics", "{\"dead_fraction/fc2\":1.0,\"dead_fraction/fc1\":0.25}")
                .tensor("fc1.weight", DType.F32, new long[] {2, 2}, new double[] {1, 2, 3, 4})
                .tensor("fc2.weight", DType.F32, new long[] {2, 2}, new double[] {-1, -1, 1, 1})
                .toBytes());
        FeatureVector v = FeatureExtractor.extract(file, CheckpointMetadata.parse(file.metadata(), "r"), 0L);
        assertThat(v.health().deadFractions()).containsEntry("fc2", 1.0).containsEntry("fc1", 0.25);
        assertThat(v.health().maxDeadFraction()).isEqualTo(1.0);
        // the feature vector itself keeps the weight criterion only, so it means the same with or without reports
        assertThat(v.values()[FeatureLayout.indexOf("dead_fraction_max")]).isEqualTo(0.5);
    }

    @Test
    void reportsNonFiniteWeights() {
        SafeTensors file = tinyNet(Double.NaN);
        FeatureVector v = FeatureExtractor.extract(file, CheckpointMetadata.parse(file.metadata(), "r1"), 0L);
        assertThat(v.health().nonfiniteValues()).isEqualTo(1);
        assertThat(v.health().nonfiniteTensors()).containsExactly("fc1.weight");
    }

    @Test
    void layerOrderFromMetadataOverridesByteOrder() {
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter().metadata("layers", "b,a")
                .tensor("a.weight", DType.F32, new long[] {1, 2}, new double[] {1, 1})
                .tensor("b.weight", DType.F32, new long[] {1, 2}, new double[] {2, 2})
                .toBytes());
        assertThat(CheckpointTopology.of(file).layers()).extracting(CheckpointTopology.Layer::name).containsExactly("b", "a");
    }
}
