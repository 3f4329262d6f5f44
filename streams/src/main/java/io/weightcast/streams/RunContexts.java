package io.weightcast.streams;

import io.weightcast.core.records.Json;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Each run's {@link RunContext} in a changelogged store keyed by run id (the key of both the {@code runs} and the
 * {@code checkpoints} topic, which are co-partitioned, so a run's events and checkpoints reach the same task).
 * A run without a record for {@code streams.curve.ttl.ms} of stream time is forgotten, as its metric history is.
 */
final class RunContexts {
    private final KeyValueStore<String, byte[]> store;
    private final long ttlMs;

    RunContexts(KeyValueStore<String, byte[]> store, long ttlMs) {
        this.store = store;
        this.ttlMs = MetricHistory.checkedTtl(ttlMs);
    }

    /** The run's context, {@link RunContext#NONE} when it sent no event (or was forgotten). */
    RunContext get(String runId) {
        byte[] bytes = store.get(runId);
        return bytes == null ? RunContext.NONE : Json.read(bytes, RunContext.class);
    }

    void put(String runId, RunContext context) {
        store.put(runId, Json.bytes(context));
    }

    /** A checkpoint of a known run keeps its context alive (written at most every quarter TTL). */
    void touch(String runId, RunContext context, long timestamp) {
        if (!context.isNone() && timestamp - context.updatedAt() > ttlMs / 4) {
            put(runId, context.touched(timestamp));
        }
    }

    /** Forgets the runs without a record for the TTL at {@code streamTime}; returns how many. */
    int expire(long streamTime) {
        List<String> stale = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (streamTime - Json.read(kv.value, RunContext.class).updatedAt() >= ttlMs) {
                    stale.add(kv.key);
                }
            }
        }
        stale.forEach(store::delete);
        return stale.size();
    }
}
