package io.weightcast.streams;

import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Feature vectors of checkpoints that came before their step's {@code metrics} run event, waiting for it
 * (a stream-stream join with a wall-clock window, {@code streams.metrics.wait.ms}): released with the metrics
 * when the event comes, as they are when the wait runs out or the run finishes. A changelogged store, so a
 * restart neither loses nor repeats a held vector. Keyed by run id and zero-padded step, so one run's holds
 * are a contiguous range. Value: the release time (8 bytes), then the vector's JSON, so the wall-clock scan
 * ({@link #due}, every fraction of a second) reads the times without decoding vectors that are not due.
 */
final class HeldFeatures {
    private final KeyValueStore<String, byte[]> store;

    HeldFeatures(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    void hold(FeatureVector vector, long releaseAt) {
        byte[] json = Json.bytes(vector);
        store.put(key(vector.runId(), vector.step()), ByteBuffer.allocate(8 + json.length).putLong(releaseAt).put(json).array());
    }

    /** The vector held for (run, step), removed; null when none is. */
    FeatureVector take(String runId, long step) {
        byte[] bytes = store.delete(key(runId, step));
        return bytes == null ? null : vector(bytes);
    }

    /** Every vector held for the run, removed, oldest step first. */
    List<FeatureVector> takeRun(String runId) {
        List<FeatureVector> out = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(runId + '/', runId + '0')) { // '0' follows '/'
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (kv.key.lastIndexOf('/') == runId.length()) { // not run "<runId>/x"'s
                    keys.add(kv.key);
                    out.add(vector(kv.value));
                }
            }
        }
        keys.forEach(store::delete);
        return out;
    }

    /** The vectors whose wait ended at {@code now} (wall clock), removed. */
    List<FeatureVector> due(long now) {
        List<FeatureVector> out = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (ByteBuffer.wrap(kv.value).getLong() <= now) {
                    keys.add(kv.key);
                    out.add(vector(kv.value));
                }
            }
        }
        keys.forEach(store::delete);
        return out;
    }

    private static FeatureVector vector(byte[] value) {
        return Json.read(Arrays.copyOfRange(value, 8, value.length), FeatureVector.class);
    }

    private static String key(String runId, long step) {
        return runId + '/' + String.format("%019d", step);
    }
}
