package io.weightcast.eval;

import io.weightcast.eval.earlystop.OptunaReplay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZooFilesTest {
    @TempDir
    Path dir;

    @Test
    void testSplitMetricsAreStrippedBeforeExtraction() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val_acc", 0.8);
        metrics.put("train_loss", 0.5);
        metrics.put("eval/test_acc", 0.79);
        metrics.put("eval/constant_prediction", 0.0);
        metrics.put("dead_fraction/conv3", 1.0);
        CheckpointMetadata m = new CheckpointMetadata("r", 3, 18, "pytorch", "relu", "digits", metrics,
                Map.of("learning_rate", 0.01), 0, 1);
        CheckpointMetadata stripped = ZooLoader.stripTestMetrics(m);
        assertThat(stripped.metrics()).containsOnlyKeys("val_acc", "train_loss");
        assertThat(stripped.step()).isEqualTo(3);
        assertThat(stripped.activation()).isEqualTo("relu");
        assertThat(stripped.hparams()).containsEntry("learning_rate", 0.01);
    }

    @Test
    void aPartialZooNeedsAllowPartial() throws Exception {
        Files.writeString(dir.resolve("manifest.json"), "{\"format\": 1, \"source\": \"digits\", \"runs\": 10, \"epochs\": 18,"
                + " \"complete\": false}");
        Files.createDirectories(dir.resolve("runs/.tmp-digits-1-0"));
        assertThatThrownBy(() -> ZooLoader.load(dir, false, true, 1, Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--allow-partial").hasMessageContaining("0 of 10");
        ZooLoader.Loaded loaded = ZooLoader.load(dir, true, true, 1, Progress.NONE);
        assertThat(loaded.runs()).isEmpty(); // a run being written is not a run
        assertThat(loaded.manifest().complete()).isFalse();
    }

    @Test
    void featureCacheRoundTripsAndIgnoresAnotherLayout() throws Exception {
        double[] v = new double[FeatureLayout.size()];
        v[0] = 1.5;
        v[1] = Double.NaN;
        Map<String, Double> dead = new LinkedHashMap<>();
        dead.put("conv2", 0.25);
        dead.put("conv3", 0.0);
        Path file = FeatureCache.file(dir);
        Map<String, FeatureCache.Entry> runs = new LinkedHashMap<>();
        runs.put("digits-1-0", new FeatureCache.Entry(42L, List.of(new CheckpointRow(1, v, dead))));
        FeatureCache.write(file, runs);

        Map<String, FeatureCache.Entry> back = FeatureCache.read(file);
        assertThat(back).containsOnlyKeys("digits-1-0");
        FeatureCache.Entry e = back.get("digits-1-0");
        assertThat(e.fingerprint()).isEqualTo(42L);
        assertThat(e.rows().get(0).layout()[0]).isEqualTo(1.5);
        assertThat(e.rows().get(0).layout()[1]).isNaN();
        assertThat(e.rows().get(0).weightDead()).containsExactlyEntriesOf(dead);

        byte[] bytes = Files.readAllBytes(file);
        bytes[15] ^= 1; // the layout hash
        Files.write(file, bytes);
        assertThat(FeatureCache.read(file)).isEmpty();
        assertThat(FeatureCache.read(dir.resolve("absent.bin"))).isEmpty();
    }

    @Test
    void runEventsParseTheZoosNonFiniteStrings() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, String.join("\n",
                "{\"type\":\"started\",\"run_id\":\"d-1-0\",\"study\":\"digits\",\"hparams\":{\"activation\":\"relu\"},\"planned_steps\":2}",
                "{\"type\":\"metrics\",\"run_id\":\"d-1-0\",\"step\":1,\"metrics\":{\"val_acc\":0.5,\"val_loss\":\"NaN\"}}",
                "{\"type\":\"metrics\",\"run_id\":\"d-1-0\",\"step\":2,\"metrics\":{\"val_acc\":0.6,\"train_loss\":\"Infinity\"}}",
                "{\"type\":\"finished\",\"run_id\":\"d-1-0\",\"final\":{\"test_accuracy\":0.61}}"));
        RunEvents e = RunEvents.read(events, 2);
        assertThat(e.activation()).isEqualTo("relu");
        assertThat(e.finalTestAccuracy()).isEqualTo(0.61);
        assertThat(e.metric(1, "val_loss")).isNaN();
        assertThat(e.metric(2, "train_loss")).isInfinite();
        assertThat(e.metric(2, "val_acc")).isEqualTo(0.6);
    }

    @Test
    void optunaOutputIsParsedAndCheckedAgainstTheInput() throws Exception {
        JsonNode out = Json.MAPPER.readTree("{\"optuna\":\"3.1.0\",\"settings\":[{\"policy\":\"optuna_median\","
                + "\"params\":{\"n_startup_trials\":5,\"n_warmup_steps\":2},\"stop_epochs\":[[3,18],[18,2]]}]}");
        OptunaReplay.Result r = OptunaReplay.parse(out, 2, 2, 1.0);
        assertThat(r.optunaVersion()).isEqualTo("3.1.0");
        assertThat(r.settings()).hasSize(1);
        assertThat(r.settings().get(0).params()).containsEntry("n_warmup_steps", 2);
        assertThat(r.settings().get(0).stopEpochs().get(1)).containsExactly(18, 2);
        assertThatThrownBy(() -> OptunaReplay.parse(out, 3, 2, 1.0)).hasMessageContaining("2 stop epochs for 3 runs");
    }
}
