package io.weightcast.core.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.safetensors.SafeTensors;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
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
    void aShardedReferenceCarriesEveryShardsSizeAndHashAndRoundTrips() {
        String sha2 = "cd".repeat(32);
        CheckpointReference ref = new CheckpointReference(URI.create("s3://b/runs/r1/3-x/model.safetensors.index.json"), 321, SHA,
                List.of(new CheckpointReference.Shard("model-00001-of-00002.safetensors", 1000, SHA),
                        new CheckpointReference.Shard("model-00002-of-00002.safetensors", 500, sha2)));
        assertThat(ref.sharded()).isTrue();
        assertThat(ref.totalBytes()).isEqualTo(1821);
        SafeTensors file = SafeTensors.read(ref.record(Map.of("run_id", "r1", "step", "3")));
        assertThat(file.metadata().get("ref_shards")).isEqualTo("[{\"file\":\"model-00001-of-00002.safetensors\",\"bytes\":1000,"
                + "\"sha256\":\"" + SHA + "\"},{\"file\":\"model-00002-of-00002.safetensors\",\"bytes\":500,\"sha256\":\"" + sha2 + "\"}]");
        assertThat(CheckpointReference.of(file.metadata())).contains(ref);
        assertThat(CheckpointReference.strip(file.metadata())).doesNotContainKey("ref_shards");
        assertThat(new CheckpointReference(URI.create("file:///d/x.safetensors"), 1, SHA).sharded()).isFalse();
    }

    @Test
    void malformedShardListsAreMalformedRecordsNamingTheProblem() {
        Map<String, String> index = Map.of("ref_uri", "file:///data/r/model.safetensors.index.json", "ref_bytes", "10", "ref_sha256", SHA);
        String one = "{\"file\":\"a.safetensors\",\"bytes\":5,\"sha256\":\"" + SHA + "\"}";
        assertThat(CheckpointReference.of(with(index, "ref_shards", "[" + one + "]")).orElseThrow().shards()).hasSize(1);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("not json", "not valid JSON");
        cases.put("{}", "non-empty JSON array");
        cases.put("[]", "non-empty JSON array");
        cases.put("[1]", "not an object");
        cases.put("[" + one + "," + one + "]", "twice");
        cases.put("[" + one.replace("a.safetensors", "../a.safetensors") + "]", "not a plain file name");
        cases.put("[" + one.replace("a.safetensors", "/etc/a") + "]", "not a plain file name");
        cases.put("[" + one.replace("a.safetensors", "..") + "]", "not a plain file name");
        cases.put("[" + one.replace("\"bytes\":5", "\"bytes\":0") + "]", "must be positive");
        cases.put("[" + one.replace("\"bytes\":5", "\"bytes\":\"5\"") + "]", "needs \"file\"");
        cases.put("[" + one.replace("\"bytes\":5", "\"bytes\":5.5") + "]", "needs \"file\"");
        cases.put("[" + one.replace(SHA, SHA.toUpperCase()) + "]", "64 lowercase");
        cases.put("[" + one.replace("}", ",\"extra\":1}") + "]", "unknown key 'extra'");
        cases.put("[{\"file\":\"a\",\"file\":\"b\",\"bytes\":5,\"sha256\":\"" + SHA + "\"}]", "not valid JSON");
        cases.forEach((value, message) -> assertThatThrownBy(() -> CheckpointReference.of(with(index, "ref_shards", value))).as(value)
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining(message));
        assertThatThrownBy(() -> CheckpointReference.of(index)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("needs 'ref_shards'");
        Map<String, String> single = with(with(index, "ref_uri", "file:///data/x.safetensors"), "ref_shards", "[" + one + "]");
        assertThatThrownBy(() -> CheckpointReference.of(single)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("only for a reference to a sharded checkpoint's index");
        assertThatThrownBy(() -> CheckpointReference.of(Map.of("ref_shards", "[" + one + "]"))).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("without 'ref_uri'");
    }

    @Test
    void shardedDirectoriesAreNamedByTheShardsContent() {
        List<CheckpointReference.Shard> a = List.of(new CheckpointReference.Shard("m-1.safetensors", 5, SHA),
                new CheckpointReference.Shard("m-2.safetensors", 6, "cd".repeat(32)));
        String digest = CheckpointReference.shardsDigest(a);
        assertThat(digest).matches("[0-9a-f]{64}").isEqualTo(CheckpointReference.shardsDigest(List.of(a.get(1), a.get(0))));
        assertThat(CheckpointReference.shardsDigest(List.of(a.get(0)))).isNotEqualTo(digest);
        // the Python client computes the same: sha256(b"m-1.safetensors <sha>\nm-2.safetensors <sha>\n")
        assertThat(digest).isEqualTo(sha256Hex("m-1.safetensors " + SHA + "\nm-2.safetensors " + "cd".repeat(32) + "\n"));
        assertThat(CheckpointReference.shardedDirectory("sweep/1", 4, digest)).isEqualTo("runs/sweep_1/4-" + digest + "/");
    }

    private static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
