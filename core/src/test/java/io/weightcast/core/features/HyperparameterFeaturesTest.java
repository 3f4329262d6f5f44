package io.weightcast.core.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperparameterFeaturesTest {
    private static double value(double[] v, String name) {
        return v[HyperparameterFeatures.NAMES.indexOf(name)];
    }

    @Test
    void aStudysOwnSpellingsOfTheConventionalNamesAreRead() {
        // a Hugging Face / Lightning style configuration
        Map<String, Object> hf = new LinkedHashMap<>();
        hf.put("Learning-Rate", 3e-4);
        hf.put("wd", 0.01);
        hf.put("per_device_train_batch_size", 64);
        hf.put("hidden_dropout_prob", 0.1);
        hf.put("optim", "AdamW");
        hf.put("hidden_act", "gelu");
        hf.put("initializer_range", 0.02);
        double[] v = HyperparameterFeatures.of(hf, null);
        assertThat(value(v, "hp_log10_learning_rate")).isCloseTo(Math.log10(3e-4), within(1e-12));
        assertThat(value(v, "hp_log10_weight_decay")).isCloseTo(-2, within(1e-12));
        assertThat(value(v, "hp_log2_batch_size")).isCloseTo(6, within(1e-12));
        assertThat(value(v, "hp_dropout")).isEqualTo(0.1);
        assertThat(value(v, "hp_optimizer")).isEqualTo(HyperparameterFeatures.code("adamw"));
        assertThat(value(v, "hp_activation")).isEqualTo(HyperparameterFeatures.code("gelu"));
        assertThat(value(v, "hp_log10_init_std")).isCloseTo(Math.log10(0.02), within(1e-12));

        // the same values under the conventional names give the same vector
        Map<String, Object> plain = Map.of("learning_rate", 3e-4, "weight_decay", 0.01, "batch_size", 64, "dropout", 0.1,
                "optimizer", "adamw", "activation", "GELU", "init_std", 0.02);
        assertThat(HyperparameterFeatures.of(plain, null)).isEqualTo(v);
    }

    @Test
    void theConventionalNameWinsOverAnAliasAndUnknownOrNestedNamesStayMissing() {
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("lr", 0.1);
        both.put("learning_rate", 0.001);
        both.put("optimizer.lr", 0.5); // nested: not read
        both.put("beta1", 0.9); // Adam's, not SGD's momentum: not an alias
        double[] v = HyperparameterFeatures.of(both, "relu");
        assertThat(value(v, "hp_log10_learning_rate")).isCloseTo(-3, within(1e-12));
        assertThat(value(v, "hp_momentum")).isNaN();
        assertThat(value(v, "hp_activation")).isEqualTo(HyperparameterFeatures.code("relu"));
        assertThat(HyperparameterFeatures.normalize(" Batch Size ")).isEqualTo("batch_size");
        assertThat(HyperparameterFeatures.normalize("optimizer/lr")).isEqualTo("optimizer_lr");
        assertThat(HyperparameterFeatures.of(null, null)).containsOnly(Double.NaN);
    }

    @Test
    void whatNoFeatureTakesIsListedWithTheReason() {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("lr", 0.01);
        hp.put("Learning-Rate", 0.02);       // the conventional name wins: lr is shadowed, not this
        hp.put("optimizer.momentum", 0.9);   // nested spelling of a name that is read: becomes optimizer_momentum
        hp.put("seed", 7);
        hp.put("batch_size", "large");
        hp.put("weight_decay", -1.0);
        hp.put("optimizer", "adam");
        hp.put("dropout", null);
        assertThat(HyperparameterFeatures.unread(hp)).extracting(HyperparameterFeatures.Unread::toString).containsExactly(
                "lr (hp_log10_learning_rate is read from another name)",
                "optimizer.momentum (no feature reads this name)",
                "seed (no feature reads this name)",
                "batch_size (not a usable number)",
                "weight_decay (not a usable number)");
        assertThat(HyperparameterFeatures.unread(Map.of("lr", 0.1, "momentum", 0.9))).isEmpty();
        assertThat(HyperparameterFeatures.unread(null)).isEmpty();
    }
}
