package io.weightcast.store;

import io.weightcast.core.safetensors.SafeTensorsWriter;

/** A small real checkpoint to store and read back. */
final class StoreFixtures {
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
}
