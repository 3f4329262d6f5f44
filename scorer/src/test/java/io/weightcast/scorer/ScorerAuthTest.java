package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21: the scorer fails closed like ingest; local mode's implied `none` only on a loopback listener nobody configured. */
class ScorerAuthTest {
    private final Settings base = Settings.of(Map.of(Settings.BOOTSTRAP, "k:9092"));

    @Test
    void withoutAReadTokenTheScorerRefusesToStartUnlessAuthIsNoneExplicitly() {
        assertThatThrownBy(() -> new ScorerService(base)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("scorer.tokens").hasMessageContaining("scorer.auth=none")
                .hasMessageContaining("does not start without a read token");
        assertThatThrownBy(() -> new ScorerService(base.with("scorer.tokens", " , "))).hasMessageContaining("scorer.tokens");
        assertThatThrownBy(() -> new ScorerService(base.with("scorer.auth", "maybe"))).hasMessageContaining("scorer.auth");
        new ScorerService(base.with("scorer.auth", "none"));
        new ScorerService(base.with("scorer.tokens", "t"));
    }

    @Test
    void theTokenFileMustBeReadableAndValid(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tokens.json"), "{\"tokens\": [{\"token\": \"s3cret\"}]}");
        new ScorerService(base.with("scorer.tokens.file", file.toString()));
        assertThatThrownBy(() -> new ScorerService(base.with("scorer.tokens.file", dir.resolve("absent").toString())))
                .hasMessageContaining("scorer.tokens.file").hasMessageContaining("cannot be read");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"tokens\": [{\"token\": s3cret}]}");
        assertThatThrownBy(() -> new ScorerService(base.with("scorer.tokens.file", broken.toString())))
                .hasMessageContaining("not valid JSON").hasMessageNotContaining("s3cret");
    }

    @Test
    void localModeOpensOnlyALoopbackListenerNobodyConfigured() {
        assertThat(ScorerAuth.openOnLoopback(base)).isTrue();
        assertThat(ScorerAuth.openOnLoopback(base.with("scorer.host", "0.0.0.0"))).isFalse();
        assertThat(ScorerAuth.openOnLoopback(base.with("scorer.tokens", "t"))).isFalse();
        assertThat(ScorerAuth.openOnLoopback(base.with("scorer.tokens.file", "/etc/weightcast/tokens.json"))).isFalse();
        assertThat(ScorerAuth.openOnLoopback(base.with("scorer.auth", "tokens"))).isFalse();
    }
}
