package io.weightcast.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.config.SettingsReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsCatalogTest {

    @Test
    void theReadmeCarriesTheCurrentGeneratedReference() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(SettingsReference.spliced(readme, SettingsCatalog.markdown()))
                .as("README.md's settings reference is stale: run ./weightcast settings --readme README.md")
                .isEqualTo(readme);
    }

    @Test
    void everyKeyIsDeclaredOnce() {
        List<String> names = SettingsCatalog.ALL.stream().flatMap(g -> g.keys().stream()).map(Key::name).toList();
        assertThat(names).doesNotHaveDuplicates().contains("kafka.bootstrap.servers", "ingest.port", "streams.metrics.wait.ms",
                "spectral.max.evals", "scorer.alerts", "trainer.refit.every", "trainer.encoder.epochs");
    }

    @Test
    void theKeysTheDeploymentFilesSetAreAllKnown() throws Exception {
        // k8s/weightcast.env and docker-compose.yml set settings through WEIGHTCAST_* variables: none may be a typo
        for (String file : List.of("../k8s/weightcast.env", "../docker-compose.yml", "../k8s/scorer.yaml")) {
            Map<String, String> keys = new java.util.TreeMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("WEIGHTCAST_([A-Z0-9_]+)").matcher(Files.readString(Path.of(file)));
            while (m.find()) {
                keys.put(m.group(1).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), "x");
            }
            assertThat(keys).as(file).isNotEmpty();
            assertThat(SettingsReference.unknown(keys, SettingsCatalog.ALL)).as(file).isEmpty();
        }
    }

    @Test
    void mergingSettingsReportsTheKeysNothingReads() {
        SettingsOptions options = new SettingsOptions();
        options.overrides.put("trainer.min.run", "20");
        options.overrides.put("scorer.hook.slack.url", "http://hooks.example/x");
        options.merged(Map.of("data.dir", "/tmp/x"));
        List<SettingsReference.Unknown> unknown = SettingsCatalog.reportUnknown(Map.of("trainer.min.run", "20",
                "scorer.hook.slack.url", "http://hooks.example/x", "data.dir", "/tmp/x"));
        assertThat(unknown).extracting(SettingsReference.Unknown::key).containsExactly("trainer.min.run");
        assertThat(unknown.get(0).didYouMean()).isEqualTo("trainer.min.runs");
        KeyGroup launcher = SettingsCatalog.LAUNCHER;
        assertThat(launcher.knows("console.level")).isTrue();
    }
}
