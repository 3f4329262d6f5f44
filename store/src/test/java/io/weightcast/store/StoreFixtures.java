package io.weightcast.store;

import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small real checkpoint to store and read back. */
final class StoreFixtures {
    static final String INDEX = "model.safetensors.index.json";

    private StoreFixtures() {
    }

    static byte[] checkpoint(float seed) {
        float[] w = new float[64 * 32];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(seed + i * 0.37);
        }
        return new SafeTensorsWriter().metadata("run_id", "r1").metadata("step", "3")
                .tensor("fc1.weight", new long[] {64, 32}, w).tensor("fc1.bias", new long[] {64}, new float[64]).toBytes();
    }

    /** Three shards ({@code model-0000i-of-00003.safetensors}), layer fc{i} in shard i. */
    static Map<String, byte[]> shards() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            float[] w = new float[16 * 8];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) Math.cos(i + j * 0.11);
            }
            out.put(shardName(i), new SafeTensorsWriter().metadata("step", "3").tensor("fc" + i + ".weight", new long[] {16, 8}, w)
                    .tensor("fc" + i + ".bias", new long[] {16}, new float[16]).toBytes());
        }
        return out;
    }

    static String shardName(int i) {
        return "model-0000" + i + "-of-00003.safetensors";
    }

    /** The index of {@link #shards}, with {@code extra} → {@code shard} added to its weight_map when not null. */
    static byte[] index(String extra, String shard) {
        StringBuilder map = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            map.append(i > 1 ? "," : "").append("\"fc").append(i).append(".weight\":\"").append(shardName(i)).append("\",\"fc").append(i)
                    .append(".bias\":\"").append(shardName(i)).append('"');
        }
        if (extra != null) {
            map.append(",\"").append(extra).append("\":\"").append(shard).append('"');
        }
        return ("{\"metadata\":{\"total_size\":1632},\"weight_map\":{" + map + "}}").getBytes(StandardCharsets.UTF_8);
    }
}
