package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import io.weightcast.core.ssl.EncoderTuning;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 23's encoder options reach the trainer's config; unset, the trainer trains the original graph. */
class EncoderSettingsTuningTest {

    @Test
    void theDefaultsKeepTheOriginalGraphAndTheKeysGiveTheFairSetup() {
        assertThat(EncoderSettings.from(Settings.of(Map.of()), 1).config().tuning()).isEqualTo(EncoderTuning.ORIGINAL);
        EncoderTuning fair = EncoderSettings.from(Settings.of(Map.of("trainer.encoder.linear.bottleneck", "true",
                "trainer.encoder.projection.layers", "4", "trainer.encoder.batch.norm", "true", "trainer.encoder.dropout", "0.1",
                "trainer.encoder.layer.scale", "true")), 1).config().tuning();
        assertThat(fair).isEqualTo(EncoderTuning.FAIR);
        assertThatThrownBy(() -> EncoderSettings.from(Settings.of(Map.of("trainer.encoder.dropout", "1")), 1))
                .isInstanceOf(InvalidSettingException.class);
    }
}
