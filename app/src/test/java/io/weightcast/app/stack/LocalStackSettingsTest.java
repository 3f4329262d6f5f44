package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Local mode's own defaults (the ones {@code local}, {@code demo}, {@code bench} and {@code eval-live} start with). */
class LocalStackSettingsTest {

    @Test
    void theWeightEncoderIsOffInLocalModeUnlessTheEnvironmentOrTheCommandTurnsItOn() throws Exception {
        Path dir = Files.createTempDirectory("weightcast-localsettings");
        Settings plain = LocalStack.settings(dir, Map.of(), Map.of());
        assertThat(plain.get(LocalStack.ENCODER_ENABLED, "unset")).isEqualTo("false");
        assertThat(plain.get(CommonKeys.MODELS_SIGNING_KEY_FILE.name(), "unset")).as("the other local default is still there")
                .startsWith(dir.toString());

        Settings fromEnv = LocalStack.settings(dir, Map.of(), Map.of("WEIGHTCAST_TRAINER_ENCODER_ENABLED", "true"));
        assertThat(fromEnv.get(LocalStack.ENCODER_ENABLED, "unset")).isEqualTo("true");

        Settings fromCommand = LocalStack.settings(dir, Map.of(LocalStack.ENCODER_ENABLED, "true"),
                Map.of("WEIGHTCAST_TRAINER_ENCODER_ENABLED", "false"));
        assertThat(fromCommand.get(LocalStack.ENCODER_ENABLED, "unset")).isEqualTo("true");
    }
}
