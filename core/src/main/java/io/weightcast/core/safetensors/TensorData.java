package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a checkpoint's tensor bytes live: one array or buffer (a Kafka record), memory-mapped windows of a
 * file ({@link MappedData}), or the shards of a sharded checkpoint. {@link SafeTensors} asks it for one
 * tensor at a time, so no code after parsing needs the whole data section as one buffer (or below 2 GiB).
 */
interface TensorData {
    /** The tensor's bytes as a little-endian buffer of their own (position 0, limit its size), sharing the storage. */
    ByteBuffer bytes(TensorInfo t);

    /** Data-section size in bytes (summed over shards). */
    long size();

    /** One buffer holding the whole data section (the byte[] path). */
    static TensorData of(ByteBuffer section) {
        ByteBuffer data = section.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return new TensorData() {
            @Override
            public ByteBuffer bytes(TensorInfo t) {
                return data.slice((int) t.begin(), (int) (t.end() - t.begin())).order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public long size() {
                return data.capacity();
            }
        };
    }
}
