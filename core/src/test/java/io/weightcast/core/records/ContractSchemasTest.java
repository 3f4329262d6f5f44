package io.weightcast.core.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed schemas of docs/contract are what the record classes generate, and records the code writes pass them. */
class ContractSchemasTest {
    private static final Path DIR = ContractValidator.committedDir();

    @Test
    void theCommittedSchemasAreWhatTheRecordClassesGenerate() throws IOException {
        if (Boolean.getBoolean("weightcast.contract.write")) {
            ContractSchemas.write(DIR);
        }
        Map<String, String> generated = ContractSchemas.generate();
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, String> e : generated.entrySet()) {
            Path committed = DIR.resolve(e.getKey());
            if (!Files.exists(committed) || !Files.readString(committed, StandardCharsets.UTF_8).equals(e.getValue())) {
                stale.add(e.getKey());
            }
        }
        try (Stream<Path> files = Files.list(DIR)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".schema.json"))
                    .filter(n -> !generated.containsKey(n)).forEach(n -> stale.add(n + " (no record class generates it)"));
        }
        assertThat(stale).as("docs/contract differs from the record classes in %s; regenerate with:%n  %s",
                stale, ContractSchemas.REGENERATE).isEmpty();
        assertThat(generated).hasSize(ContractSchemas.TOPICS.size());
    }

    @Test
    void aSchemaNamesTheContractFieldsInSnakeCaseAndMarksWhatIsRequired() throws IOException {
        var scores = Json.MAPPER.readTree(ContractSchemas.generate().get("scores.schema.json"));
        assertThat(scores.get("properties").has("predicted_final_accuracy")).isTrue();
        assertThat(scores.get("properties").has("predictedFinalAccuracy")).isFalse();
        assertThat(scores.get("required").toString()).contains("\"step\"", "\"scored_at\"").doesNotContain("\"note\"");
        var runs = Json.MAPPER.readTree(ContractSchemas.generate().get("runs.schema.json"));
        assertThat(runs.get("properties").has("final")).isTrue();
        assertThat(runs.get("required").toString()).contains("\"type\"");
    }

    @Test
    void recordsTheCodeWritesValidateStrictly() {
        ContractValidator contract = ContractValidator.of(DIR);
        SafeTensors file = checkpoint(Map.of("run_id", "r1", "step", "3", "planned_steps", "18", "activation", "relu",
                "framework", "pytorch", "metrics", "{\"val_acc\":0.5}", "hparams", "{\"lr\":0.01}"));
        FeatureVector features = FeatureExtractor.extract(file, CheckpointMetadata.parse(file.metadata(), "r1"), 1L)
                .withEmbedding(new Embedding(2, new float[] {0.5f, Float.NaN}));
        Map<String, Object> records = new LinkedHashMap<>();
        records.put("checkpoints.metadata", file.metadata());
        records.put("runs", RunEvent.started("r1", "s", Map.of("lr", 0.01, "opt", "adam"), 18));
        records.put("features", features);
        records.put("scores", new Score("r1", 3, 18, "s", null, null, List.of(), null, List.of(), 4, 1L, 2L, "no model yet"));
        records.put("alerts", new Alert("r1", 3, Alert.NONFINITE_WEIGHTS, "critical",
                Map.of("nonfinite_values", 4, "max", Double.NaN), null, "s", 2L));
        records.put("dead-letters", new DeadLetter("streams", "weightcast.checkpoints", 0, 7L, "r1", "bad header", 3, "AAEC", 5L));
        for (Map.Entry<String, Object> r : records.entrySet()) {
            String json = Json.string(r.getValue());
            assertThat(contract.strictErrors(r.getKey(), json)).as("%s: %s", r.getKey(), json).isEmpty();
        }
        assertThat(contract.strictErrors("runs", "{\"type\":\"finished\",\"run_id\":\"r1\",\"final\":{\"test_accuracy\":0.9}}")).isEmpty();
    }

    @Test
    void recordsThatBreakTheContractAreCaught() {
        ContractValidator contract = ContractValidator.of(DIR);

        assertThat(contract.errors("runs", "{\"run_id\":\"r1\"}")).anyMatch(e -> e.contains("type"));
        assertThat(contract.errors("runs", "{\"type\":\"paused\"}")).isNotEmpty();
        assertThat(contract.errors("scores", "{\"run_id\":\"r1\",\"step\":\"three\"}")).anyMatch(e -> e.contains("step"));
        assertThat(contract.errors("checkpoints.metadata", "{\"step\":3}")).isNotEmpty();
        assertThat(contract.errors("checkpoints.metadata", "{\"step\":\"x3\"}")).isNotEmpty();
        assertThat(contract.errors("alerts", Json.string(new Alert("r", 1, "K", "s", Map.of(), null, null, 1L)) .replace("\"step\":1", "\"step\":null"))).isNotEmpty();
        // published schemas let producers add fields; the strict reading finds them
        String extra = "{\"type\":\"started\",\"run_id\":\"r1\",\"gpu\":\"a100\"}";
        assertThat(contract.errors("runs", extra)).isEmpty();
        assertThat(contract.strictErrors("runs", extra)).anyMatch(e -> e.contains("gpu"));
    }

    /** A small ReLU MLP with the metadata a PyTorch loop writes. */
    private static SafeTensors checkpoint(Map<String, String> meta) {
        float[] w1 = new float[8 * 4];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) Math.sin(i * 0.7) * 0.3f;
        }
        return SafeTensors.read(new SafeTensorsWriter().metadata(meta)
                .tensor("fc1.weight", new long[] {8, 4}, w1).tensor("fc1.bias", new long[] {8}, new float[8])
                .tensor("fc2.weight", new long[] {2, 8}, java.util.Arrays.copyOf(w1, 16)).toBytes());
    }
}
