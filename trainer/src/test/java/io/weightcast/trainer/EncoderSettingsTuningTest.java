package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import io.weightcast.core.ssl.EncoderTuning;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 23's encoder options reach the trainer's config; unset, the trainer trains the fair setup. */
class EncoderSettingsTuningTest {

    @Test
    void theDefaultsTrainTheFairSetupAndTheKeysGiveTheOriginalGraph() {
        var defaults = EncoderSettings.from(Settings.of(Map.of()), 1).config();
        assertThat(defaults.tuning()).isEqualTo(EncoderTuning.FAIR);
        assertThat(defaults.gamma()).isEqualTo(0.1);
        assertThat(defaults.embeddingDim()).isEqualTo(128);
        EncoderTuning original = EncoderSettings.from(Settings.of(Map.of("trainer.encoder.linear.bottleneck", "false",
                "trainer.encoder.projection.layers", "2", "trainer.encoder.batch.norm", "false", "trainer.encoder.dropout", "0",
                "trainer.encoder.layer.scale", "false")), 1).config().tuning();
        assertThat(original).isEqualTo(EncoderTuning.ORIGINAL);
        assertThatThrownBy(() -> EncoderSettings.from(Settings.of(Map.of("trainer.encoder.dropout", "1")), 1))
                .isInstanceOf(InvalidSettingException.class);
    }
}
