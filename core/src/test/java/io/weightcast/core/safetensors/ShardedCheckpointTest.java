package io.weightcast.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.features.CheckpointFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Hugging Face sharded checkpoint (2 shards + index) opens as one checkpoint equal to the unsharded file. */
class ShardedCheckpointTest {
    private static final String INDEX = "{\"metadata\":{\"total_size\":%d},\"weight_map\":{"
            + "\"bn.num_batches_tracked\":\"model-00002-of-00002.safetensors\","
            + "\"conv1.bias\":\"model-00001-of-00002.safetensors\",\"conv1.weight\":\"model-00001-of-00002.safetensors\","
            + "\"conv2.bias\":\"model-00001-of-00002.safetensors\",\"conv2.weight\":\"model-00001-of-00002.safetensors\","
            + "\"dense.bias\":\"model-00002-of-00002.safetensors\",\"dense.weight\":\"model-00002-of-00002.safetensors\"}}";

    @TempDir
    Path dir;

    private static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * 0.1;
        }
        return v;
    }

    /** The unsharded file, and its two shards plus index in {@code dir} (the layers split 2 + 1, as save_pretrained would). */
    private byte[] writeCheckpoint() throws IOException {
        Random r = new Random(7);
        double[] c1 = random(r, 8 * 3 * 3 * 3);
        double[] b1 = random(r, 8);
        double[] c2 = random(r, 16 * 8 * 3 * 3);
        double[] b2 = random(r, 16);
        double[] d = random(r, 10 * 16);
        double[] db = random(r, 10);
        byte[] counter = {9, 0, 0, 0, 0, 0, 0, 0};
        byte[] whole = new SafeTensorsWriter().metadata("activation", "relu").metadata("format", "pt")
                .tensor("conv1.weight", DType.F32, new long[] {8, 3, 3, 3}, c1).tensor("conv1.bias", DType.F32, new long[] {8}, b1)
                .tensor("conv2.weight", DType.BF16, new long[] {16, 8, 3, 3}, c2).tensor("conv2.bias", DType.BF16, new long[] {16}, b2)
                .tensor("dense.weight", DType.F32, new long[] {10, 16}, d).tensor("dense.bias", DType.F32, new long[] {10}, db)
                .raw("bn.num_batches_tracked", DType.I64, new long[] {}, counter).toBytes();
        Files.write(dir.resolve("model-00001-of-00002.safetensors"), new SafeTensorsWriter().metadata("activation", "relu")
                .metadata("format", "pt")
                .tensor("conv1.weight", DType.F32, new long[] {8, 3, 3, 3}, c1).tensor("conv1.bias", DType.F32, new long[] {8}, b1)
                .tensor("conv2.weight", DType.BF16, new long[] {16, 8, 3, 3}, c2).tensor("conv2.bias", DType.BF16, new long[] {16}, b2)
                .toBytes());
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), new SafeTensorsWriter().metadata("format", "pt")
                .tensor("dense.weight", DType.F32, new long[] {10, 16}, d).tensor("dense.bias", DType.F32, new long[] {10}, db)
                .raw("bn.num_batches_tracked", DType.I64, new long[] {}, counter).toBytes());
        index(String.format(INDEX, SafeTensors.read(whole).dataBytes()));
        return whole;
    }

    private Path index(String json) throws IOException {
        return Files.writeString(dir.resolve("model.safetensors.index.json"), json);
    }

    @Test
    void shardsOpenAsTheUnshardedCheckpointWithTheSameFeatures() throws IOException {
        byte[] whole = writeCheckpoint();
        SafeTensors expected = SafeTensors.read(whole);
        SafeTensors sharded = SafeTensors.open(dir.resolve("model.safetensors.index.json"));
        assertThat(sharded.size()).isEqualTo(expected.size());
        assertThat(sharded.tensorsByOffset()).extracting(TensorInfo::name)
                .containsExactlyElementsOf(expected.tensorsByOffset().stream().map(TensorInfo::name).toList());
        assertThat(sharded.metadata()).containsEntry("activation", "relu").containsEntry("format", "pt")
                .containsEntry("total_size", Long.toString(expected.dataBytes()));
        assertThat(sharded.dataBytes()).isEqualTo(expected.dataBytes());
        for (TensorInfo t : expected.tensors()) {
            assertThat(sharded.values(t.name())).as(t.name()).containsExactly(expected.values(t.name()));
        }
        CheckpointFeatures a = CheckpointAnalyzer.analyze(expected, "relu");
        CheckpointFeatures b = CheckpointAnalyzer.analyze(sharded, "relu");
        assertThat(b).isEqualTo(a);
        assertThat(b.layers()).hasSize(3);
        assertThat(b.notes()).singleElement().asString().contains("1 integer/bool tensor(s) skipped").contains("I64: bn.num_batches_tracked");
    }

    @Test
    void aMissingShardIsNamed() throws IOException {
        writeCheckpoint();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> SafeTensors.open(dir.resolve("model.safetensors.index.json")))
                .isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining("shard model-00002-of-00002.safetensors listed in model.safetensors.index.json")
                .hasMessageContaining("is missing");
    }

    @Test
    void aTensorAbsentFromItsShardIsNamed() throws IOException {
        writeCheckpoint();
        Path index = index(String.format(INDEX, 0).replace("\"dense.bias\":\"model-00002", "\"dense.gamma\":\"model-00001-of-00002.safetensors\","
                + "\"dense.bias\":\"model-00002"));
        assertThatThrownBy(() -> SafeTensors.open(index)).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessage("tensor 'dense.gamma' is listed in model.safetensors.index.json as in shard model-00001-of-00002.safetensors,"
                        + " which does not hold it");
    }

    @Test
    void shardNamesCannotLeaveTheDirectory() throws IOException {
        writeCheckpoint();
        for (String shard : new String[] {"../model-00001-of-00002.safetensors", "/etc/passwd", "sub/x.safetensors", "..\\\\x", ".."}) {
            Path index = index("{\"weight_map\":{\"conv1.weight\":\"" + shard + "\"}}");
            assertThatThrownBy(() -> SafeTensors.open(index)).as(shard).isInstanceOf(SafeTensorsFormatException.class)
                    .hasMessageContaining("is not a file name in the index's directory");
        }
    }

    @Test
    void aBrokenIndexOrShardIsABadCheckpoint() throws IOException {
        writeCheckpoint();
        assertThatThrownBy(() -> SafeTensors.open(index("{\"metadata\":{}}"))).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining("has no \"weight_map\"");
        assertThatThrownBy(() -> SafeTensors.open(index("{\"weight_map\":"))).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining("is not valid JSON");
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), new byte[3]);
        assertThatThrownBy(() -> SafeTensors.open(index(String.format(INDEX, 0)))).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessage("shard model-00002-of-00002.safetensors: truncated: 3 bytes, need at least 8 for the header length");
    }
}
