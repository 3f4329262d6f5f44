package io.weightcast.streams;

import io.weightcast.core.features.LearningCurveFeatures;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Each run's reported metrics per step, for the learning-curve section of the feature vector
 * (layout v3): a changelogged store keyed by run id (the checkpoints topic's key, so a run's
 * checkpoints all reach the same task). Only {@link LearningCurveFeatures#INPUTS} are kept.
 *
 * <p>A checkpoint's curve uses the steps BEFORE its own, so a re-sent or late checkpoint gets the
 * curve it would have had in order (given what arrived). A run that sends nothing for the TTL (stream
 * time) is forgotten: histories of finished runs would otherwise grow the store for ever.
 *
 * <p>Value: the last update's timestamp, the number of steps, then per step (ascending) the step and
 * the inputs' values (NaN when not reported).
 */
final class MetricHistory {
    /** Default {@code streams.curve.ttl.ms}: seven days of stream time without a checkpoint of the run. */
    static final long DEFAULT_TTL_MS = 7L * 24 * 3_600_000L;
    /** Steps kept per run (the oldest go first): bounds a record and the store whatever a loop sends. */
    static final int MAX_STEPS = 1000;

    private static final int INPUTS = LearningCurveFeatures.INPUTS.size();

    private final KeyValueStore<String, byte[]> store;
    private final long ttlMs;

    MetricHistory(KeyValueStore<String, byte[]> store, long ttlMs) {
        this.store = store;
        this.ttlMs = checkedTtl(ttlMs);
    }

    /** The setting, validated where the service reads it (a throw in a processor's init would kill its stream thread). */
    static long checkedTtl(long ttlMs) {
        if (ttlMs <= 0) {
            throw new IllegalArgumentException("streams.curve.ttl.ms must be > 0, was " + ttlMs);
        }
        return ttlMs;
    }

    /** How often (stream time) to call {@link #expire}: an hour, or the TTL when shorter. */
    Duration expiryInterval() {
        return Duration.ofMillis(Math.min(ttlMs, 3_600_000L));
    }

    /** The run's reported metrics at the steps before {@code step}, oldest first. */
    List<Map<String, Double>> before(String runId, long step) {
        List<Map<String, Double>> out = new ArrayList<>();
        read(store.get(runId)).headMap(step).values().forEach(v -> out.add(toMap(v)));
        return out;
    }

    /** Whether the run has an entry at {@code step} (a checkpoint of that step was seen). */
    boolean has(String runId, long step) {
        return read(store.get(runId)).containsKey(step);
    }

    /**
     * Remembers this step's metrics, merged with an earlier report of the same step (the checkpoint's metadata and a
     * {@code metrics} run event may each say part): a reported value replaces the earlier one, an unreported one keeps it.
     */
    void record(String runId, long step, Map<String, Double> metrics, long timestamp) {
        byte[] old = store.get(runId);
        TreeMap<Long, double[]> steps = read(old);
        double[] now = fromMap(metrics);
        double[] before = steps.get(step);
        if (before != null) {
            for (int i = 0; i < INPUTS; i++) {
                now[i] = Double.isNaN(now[i]) ? before[i] : now[i];
            }
        }
        steps.put(step, now);
        while (steps.size() > MAX_STEPS) {
            steps.pollFirstEntry();
        }
        long updated = old == null ? timestamp : Math.max(timestamp, ByteBuffer.wrap(old).getLong()); // a late record does not age the run
        store.put(runId, write(steps, updated));
    }

    /** Forgets the runs without a checkpoint for the TTL at {@code streamTime}; returns how many. */
    int expire(long streamTime) {
        List<String> stale = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (streamTime - ByteBuffer.wrap(kv.value).getLong() >= ttlMs) {
                    stale.add(kv.key);
                }
            }
        }
        stale.forEach(store::delete);
        return stale.size();
    }

    private static double[] fromMap(Map<String, Double> metrics) {
        double[] v = new double[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            Double x = metrics == null ? null : metrics.get(LearningCurveFeatures.INPUTS.get(i));
            v[i] = x == null || !Double.isFinite(x) ? Double.NaN : x;
        }
        return v;
    }

    private static Map<String, Double> toMap(double[] v) {
        Map<String, Double> m = new HashMap<>();
        for (int i = 0; i < INPUTS; i++) {
            if (!Double.isNaN(v[i])) {
                m.put(LearningCurveFeatures.INPUTS.get(i), v[i]);
            }
        }
        return m;
    }

    private static TreeMap<Long, double[]> read(byte[] bytes) {
        TreeMap<Long, double[]> steps = new TreeMap<>();
        if (bytes == null) {
            return steps;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.getLong(); // last update
        int n = b.getInt();
        for (int s = 0; s < n; s++) {
            long step = b.getLong();
            double[] v = new double[INPUTS];
            for (int i = 0; i < INPUTS; i++) {
                v[i] = b.getDouble();
            }
            steps.put(step, v);
        }
        return steps;
    }

    private static byte[] write(TreeMap<Long, double[]> steps, long timestamp) {
        ByteBuffer b = ByteBuffer.allocate(12 + steps.size() * (8 + 8 * INPUTS));
        b.putLong(timestamp).putInt(steps.size());
        steps.forEach((step, v) -> {
            b.putLong(step);
            for (double x : v) {
                b.putDouble(x);
            }
        });
        return b.array();
    }
}
