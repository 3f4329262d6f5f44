package io.weightcast.core.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.safetensors.SafeTensors;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointReferenceTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void aReferenceRecordIsASafetensorsFileWithoutTensorsCarryingTheCheckpointsMetadata() {
        CheckpointReference ref = new CheckpointReference(URI.create("s3://bucket/runs/r1/3-" + SHA + ".safetensors"), 123_456_789L, SHA);
        byte[] record = ref.record(Map.of("run_id", "r1", "step", "3", "study", "s"));
        SafeTensors file = SafeTensors.read(record);
        assertThat(file.size()).isZero();
        assertThat(file.metadata()).containsEntry("run_id", "r1").containsEntry("step", "3").containsEntry("ref_bytes", "123456789")
                .containsEntry("ref_sha256", SHA).containsEntry("ref_uri", ref.uri().toString());
        assertThat(CheckpointReference.of(file.metadata())).contains(ref);
        assertThat(CheckpointMetadata.parse(file.metadata(), "r1").step()).isEqualTo(3);
        assertThat(CheckpointReference.strip(file.metadata())).doesNotContainKeys("ref_uri", "ref_bytes", "ref_sha256")
                .containsEntry("study", "s");
    }

    @Test
    void anInlineCheckpointHasNone() {
        assertThat(CheckpointReference.of(Map.of("run_id", "r1", "step", "1"))).isEmpty();
    }

    @Test
    void incompleteOrInvalidReferencesAreMalformed() {
        Map<String, String> ok = Map.of("ref_uri", "file:///data/x.safetensors", "ref_bytes", "10", "ref_sha256", SHA);
        assertThat(CheckpointReference.of(ok)).isPresent();
        assertThatThrownBy(() -> CheckpointReference.of(Map.of("ref_uri", "file:///data/x"))).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("only some");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "ref_uri", "http://host/x"))).hasMessageContaining("file:// or s3://");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "ref_bytes", "0"))).hasMessageContaining("positive");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "ref_bytes", "ten"))).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "ref_sha256", SHA.toUpperCase()))).hasMessageContaining("64 lowercase");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "ref_uri", "file:///a b"))).hasMessageContaining("not a URI");
        assertThatThrownBy(() -> CheckpointReference.of(with(ok, "parts", "2"))).hasMessageContaining("never split");
    }

    @Test
    void objectKeysArePlainRelativePathsWhateverTheRunId() {
        assertThat(CheckpointReference.objectKey("sweep-7/run 1", 12, SHA)).isEqualTo("runs/sweep-7_run_1/12-" + SHA + ".safetensors");
        assertThat(CheckpointReference.objectKey("..", 0, SHA)).isEqualTo("runs/_./0-" + SHA + ".safetensors");
        assertThat(CheckpointReference.objectKey("../../etc", 0, SHA)).startsWith("runs/_._.._etc/");
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }
}
