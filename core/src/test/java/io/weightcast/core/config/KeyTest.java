package io.weightcast.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyTest {
    private static final Key<Integer> EVERY = Key.integer("trainer.refit.every", 5, "refit after this many runs")
            .rule("≥ 1", n -> n >= 1);
    private static final Key<Double> THRESHOLD = Key.number("scorer.early.stop.threshold", null, "optional reference");
    private static final Key<Boolean> ENABLED = Key.bool("streams.spectra.enabled", true, "spectra on");
    private static final Key<String> TOKENS = Key.text("ingest.tokens", "", "bearer tokens");

    @Test
    void unsetKeysGetTheirDefaultAndGivenOnesAreParsed() {
        Settings s = Settings.of(Map.of("trainer.refit.every", " 7 ", "streams.spectra.enabled", "off"));
        assertThat(s.get(EVERY)).isEqualTo(7);
        assertThat(s.get(ENABLED)).isFalse();
        assertThat(s.get(THRESHOLD)).isNull();
        assertThat(Settings.of(Map.of()).get(EVERY)).isEqualTo(5);
    }

    @Test
    void blankNumbersAreUnsetButBlankTextIsAValue() {
        Settings s = Settings.of(Map.of("scorer.early.stop.threshold", " ", "trainer.refit.every", "", "ingest.tokens", ""));
        assertThat(s.get(THRESHOLD)).isNull();
        assertThat(s.get(EVERY)).isEqualTo(5);
        assertThat(s.get(TOKENS)).isEmpty();
    }

    @Test
    void badValuesFailNamingTheKeyItsEnvVarAndTheRule() {
        assertThatThrownBy(() -> Settings.of(Map.of("trainer.refit.every", "five")).get(EVERY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'trainer.refit.every'").hasMessageContaining("WEIGHTCAST_TRAINER_REFIT_EVERY")
                .hasMessageContaining("an integer").hasMessageContaining("'five'");
        assertThatThrownBy(() -> Settings.of(Map.of("trainer.refit.every", "0")).get(EVERY))
                .hasMessageContaining("must be ≥ 1, was 0");
        assertThatThrownBy(() -> Settings.of(Map.of("streams.spectra.enabled", "maybe")).get(ENABLED))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> Settings.of(Map.of("scorer.early.stop.threshold", "NaN")).get(THRESHOLD))
                .hasMessageContaining("a finite number");
        assertThatThrownBy(() -> EVERY.checked(-3)).hasMessageContaining("trainer.refit.every").hasMessageContaining("-3");
    }

    @Test
    void requireRefusesAnUnsetKeyWithoutDefault() {
        Key<String> bootstrap = Key.text("kafka.bootstrap.servers", null, "brokers");
        assertThatThrownBy(() -> Settings.of(Map.of()).require(bootstrap))
                .hasMessageContaining("missing setting 'kafka.bootstrap.servers' (env WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS)");
        assertThat(Settings.of(Map.of("kafka.bootstrap.servers", "k:9092")).require(bootstrap)).isEqualTo("k:9092");
    }

    @Test
    void keysAreDottedLowerCase() {
        assertThatThrownBy(() -> Key.integer("Trainer_Every", 1, "x")).hasMessageContaining("dotted lower case");
        assertThatThrownBy(() -> Key.integer("every", 1, "x")).hasMessageContaining("dotted lower case");
    }
}
