package io.weightcast.ingest;

import static io.weightcast.ingest.CheckpointValidatorTest.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataDefaultsTest {

    @Test
    void readsTheQueryParameters() {
        MetadataDefaults d = MetadataDefaults.fromQuery(Map.of("step", " 12 ", "planned_steps", "18", "activation", "gelu",
                "study", "s1", "framework", "jax")::get);
        assertThat(d).isEqualTo(new MetadataDefaults(12L, 18, "gelu", "s1", "jax", null));
        assertThat(MetadataDefaults.fromQuery(Map.<String, String>of()::get)).isEqualTo(MetadataDefaults.NONE);
    }

    @Test
    void refusesNonIntegerOrOutOfRangeNumbers() {
        assertRejected(() -> MetadataDefaults.fromQuery(Map.of("step", "three")::get), RejectReason.INVALID_PARAMETER,
                "query parameter 'step' is not an integer: 'three'");
        assertRejected(() -> MetadataDefaults.fromQuery(Map.of("step", "-1")::get), RejectReason.INVALID_PARAMETER, ">= 0");
        assertRejected(() -> MetadataDefaults.fromQuery(Map.of("planned_steps", "0")::get), RejectReason.INVALID_PARAMETER,
                "'planned_steps' must be in [1,");
    }

    @Test
    void fillsOnlyWhatIsAbsentAndAddsTheRunId() {
        MetadataDefaults d = new MetadataDefaults(3L, 10, "relu", "s", "pytorch", "{\"val_acc\":0.5}");
        Map<String, String> merged = d.applyTo("r1", Map.of("step", "3", "activation", "tanh"));
        assertThat(merged).containsEntry("run_id", "r1").containsEntry("step", "3").containsEntry("activation", "tanh")
                .containsEntry("planned_steps", "10").containsEntry("study", "s").containsEntry("framework", "pytorch")
                .containsEntry("metrics", "{\"val_acc\":0.5}");
    }
}
