package io.weightcast.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingTokensTest {
    @TempDir
    Path dir;

    private final PrometheusRegistry registry = new PrometheusRegistry();

    @Test
    void takesANewFileDropsRemovedTokensAndKeepsThePreviousOnesWhenTheFileBreaks() throws Exception {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, "{\"tokens\": [{\"name\": \"old\", \"token\": \"old-secret\"}]}");
        try (ReloadingTokens tokens = new ReloadingTokens("test", BearerTokens.commaSeparated("t", "fixed"), file,
                ReloadingTokens.Reloads.register(registry))) {
            assertThat(granted(tokens, "old-secret")).isTrue();
            assertThat(granted(tokens, "fixed")).isTrue();
            assertThat(tokens.reloadIfChanged()).as("same content: nothing to do").isFalse();

            Files.writeString(file, "{\"tokens\": [{\"name\": \"new\", \"token\": \"new-secret\", \"studies\": [\"a\"]}]}");
            assertThat(tokens.reloadIfChanged()).isTrue();
            assertThat(granted(tokens, "new-secret")).isTrue();
            assertThat(granted(tokens, "old-secret")).as("removed from the file").isFalse();
            assertThat(granted(tokens, "fixed")).as("the setting's tokens stay").isTrue();

            Files.writeString(file, "{\"tokens\": [{\"token\": \"half-writ");
            assertThat(tokens.reloadIfChanged()).isFalse();
            assertThat(granted(tokens, "new-secret")).as("a broken file keeps the previous tokens").isTrue();
            assertThat(tokens.reloadIfChanged()).isFalse();
            assertThat(count("failed")).as("the same broken edit is counted once, not at every poll").isEqualTo(1.0);
            Files.delete(file);
            assertThat(tokens.reloadIfChanged()).isFalse();
            assertThat(granted(tokens, "new-secret")).as("a missing file keeps them too").isTrue();
            assertThat(count("failed")).isEqualTo(2.0);
            assertThat(count("loaded")).isEqualTo(1.0);
        }
    }

    @Test
    void aMissingOrInvalidFileFailsAtStart() throws Exception {
        ReloadingTokens.Reloads reloads = ReloadingTokens.Reloads.register(registry);
        assertThatThrownBy(() -> new ReloadingTokens("test", BearerTokens.NONE, dir.resolve("absent.json"), reloads))
                .isInstanceOf(InvalidTokenFileException.class).hasMessageContaining("cannot read");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"tokens\": [{\"token\": \"s\", \"study\": [\"a\"]}]}");
        assertThatThrownBy(() -> new ReloadingTokens("test", BearerTokens.NONE, bad, reloads))
                .isInstanceOf(InvalidTokenFileException.class).hasMessageContaining("unknown field");
    }

    private static boolean granted(ReloadingTokens tokens, String secret) {
        return tokens.get().checkToken(secret) instanceof BearerTokens.Granted;
    }

    private double count(String outcome) {
        return registry.scrape().stream().filter(s -> s instanceof CounterSnapshot)
                .filter(s -> s.getMetadata().getName().equals("weightcast_auth_token_file_reloads"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> d.getLabels().get("outcome").equals(outcome))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }
}
