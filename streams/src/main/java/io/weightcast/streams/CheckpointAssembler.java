package io.weightcast.streams;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Reassembles split checkpoints: each part waits in a changelogged store until every part of its
 * (run, step) arrived. Shared by the features and the spectra processors, each with its own store.
 */
final class CheckpointAssembler {
    private final KeyValueStore<String, byte[]> parts;

    CheckpointAssembler(KeyValueStore<String, byte[]> parts) {
        this.parts = parts;
    }

    /** The whole checkpoint once all its parts are in (at once for an unsplit one), else null. */
    SafeTensors offer(SafeTensors file, byte[] bytes, CheckpointMetadata meta) {
        if (meta.parts() == 1) {
            return file;
        }
        String prefix = meta.runId() + '\u0000' + meta.step() + '\u0000';
        parts.put(prefix + String.format("%06d", meta.part()), bytes);
        List<KeyValue<String, byte[]>> received = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(received::add);
        }
        if (received.size() < meta.parts()) {
            return null;
        }
        List<SafeTensors> files = new ArrayList<>();
        for (KeyValue<String, byte[]> kv : received) {
            files.add(SafeTensors.read(kv.value));
            parts.delete(kv.key);
        }
        return CheckpointParts.merge(files);
    }
}
