package io.weightcast.bench;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.HalfFloat;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a synthetic checkpoint of about {@code BYTES} for measuring {@code weightcast analyze} on big files
 * ({@code bench/big-files.py}): dense layers {@code layers.I} of [32768, 128] (PyTorch's default init, uniform ±1/√128)
 * with biases, as F32 (16 MiB a layer) or BF16 (8 MiB: twice the layers for the same bytes). One shape for both, so
 * every layer gets its spectrum (N = 32768 is below the default max N of 50000). {@code OUT} ending in {@code .index.json} writes a Hugging Face
 * sharded checkpoint instead: two shards beside the index.
 *
 * <pre>java -cp bench/target/weightcast-bench.jar io.weightcast.bench.BigCheckpoint OUT F32|BF16 BYTES</pre>
 */
public final class BigCheckpoint {
    private static final int COLS = 128;
    private static final long ROWS = 32768;

    private BigCheckpoint() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: BigCheckpoint OUT F32|BF16 BYTES");
        }
        Path out = Path.of(args[0]);
        DType dtype = DType.valueOf(args[1]);
        long bytes = Long.parseLong(args[2]);
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("F32 or BF16, not " + dtype);
        }
        int layers = (int) Math.max(1, bytes / (ROWS * COLS * dtype.bytes()));
        boolean sharded = out.getFileName().toString().endsWith(".index.json");
        int shards = sharded ? 2 : 1;
        long seed = 0x5EEDL;
        StringBuilder weightMap = new StringBuilder();
        for (int s = 0; s < shards; s++) {
            String shardName = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards);
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("activation", "relu").metadata("framework", "synthetic");
            List<String> names = new ArrayList<>();
            for (int layer = s * layers / shards; layer < (s + 1) * layers / shards; layer++) {
                w.raw("layers." + layer + ".weight", dtype, new long[] {ROWS, COLS}, uniform(dtype, ROWS * COLS, seed++));
                w.raw("layers." + layer + ".bias", dtype, new long[] {ROWS}, uniform(dtype, ROWS, seed++));
                names.add("layers." + layer + ".weight");
                names.add("layers." + layer + ".bias");
            }
            w.writeTo(sharded ? out.resolveSibling(shardName) : out);
            for (String n : names) {
                weightMap.append(weightMap.length() == 0 ? "" : ",").append('"').append(n).append("\":\"").append(shardName).append('"');
            }
        }
        if (sharded) {
            Files.writeString(out, "{\"metadata\":{},\"weight_map\":{" + weightMap + "}}");
        }
        System.out.printf(Locale.ROOT, "%s: %d layers of [%d, %d] %s%n", out, layers, ROWS, COLS, dtype);
    }

    /** Uniform ±1/√128 from a xorshift generator: fast, and the same file for the same seed. */
    private static byte[] uniform(DType dtype, long count, long seed) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        long x = seed * 0x9E3779B97F4A7C15L | 1;
        float scale = (float) (1 / Math.sqrt(COLS));
        for (long i = 0; i < count; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            float v = ((x >>> 40) * 0x1p-24f * 2 - 1) * scale;
            if (dtype == DType.F32) {
                b.putFloat(v);
            } else {
                b.putShort(HalfFloat.toBFloat16(v));
            }
        }
        return b.array();
    }
}
