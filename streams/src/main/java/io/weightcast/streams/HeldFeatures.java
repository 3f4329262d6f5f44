package io.weightcast.streams;

import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Feature vectors of checkpoints that came before their step's {@code metrics} run event, waiting for it
 * (a stream-stream join with a wall-clock window, {@code streams.metrics.wait.ms}): released with the metrics
 * when the event comes, as they are when the wait runs out or the run finishes. A changelogged store, so a
 * restart neither loses nor repeats a held vector. Keyed by run id and zero-padded step, so one run's holds
 * are a contiguous range.
 */
final class HeldFeatures {
    /** A held vector and the wall-clock time it goes out without its metrics. */
    record Held(FeatureVector vector, long releaseAt) {
    }

    private final KeyValueStore<String, byte[]> store;

    HeldFeatures(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    void hold(FeatureVector vector, long releaseAt) {
        store.put(key(vector.runId(), vector.step()), Json.bytes(new Held(vector, releaseAt)));
    }

    /** The vector held for (run, step), removed; null when none is. */
    FeatureVector take(String runId, long step) {
        byte[] bytes = store.delete(key(runId, step));
        return bytes == null ? null : Json.read(bytes, Held.class).vector();
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
                    out.add(Json.read(kv.value, Held.class).vector());
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
                Held h = Json.read(kv.value, Held.class);
                if (h.releaseAt() <= now) {
                    keys.add(kv.key);
                    out.add(h.vector());
                }
            }
        }
        keys.forEach(store::delete);
        return out;
    }

    private static String key(String runId, long step) {
        return runId + '/' + String.format("%019d", step);
    }
}
