package io.weightcast.streams;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensors;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Reassembles split checkpoints: each part waits in a changelogged store until every part of its
 * (run, step) arrived. Shared by the features and the spectra processors, each with its own store.
 *
 * <p>A group that does not complete (a producer died between parts, or an ingest retry delivered a
 * part again after its checkpoint was assembled) would sit in the store for ever. Each group carries a
 * marker with the timestamp of its first part; {@link #expire} removes groups older than the TTL in
 * stream time and hands their parts back, so the caller can dead-letter them.
 */
final class CheckpointAssembler {
    /** Default {@code streams.parts.ttl.ms}: one hour of stream time for all parts of a checkpoint to arrive. */
    static final long DEFAULT_TTL_MS = 3_600_000L;
    /** Markers live in their own key range: run ids with a NUL are refused, so no part key starts with one. */
    private static final String MARKER = "\u0000";

    /** An expired incomplete group: its parts' bytes in part order, how many were expected. */
    record Expired(String runId, long step, int expectedParts, List<byte[]> parts) {}

    private final KeyValueStore<String, byte[]> parts;
    private final long ttlMs;

    CheckpointAssembler(KeyValueStore<String, byte[]> parts, long ttlMs) {
        this.parts = parts;
        this.ttlMs = checkedTtl(ttlMs);
    }

    /** The setting, validated where the service reads it (a throw in a processor's init would kill its stream thread). */
    static long checkedTtl(long ttlMs) {
        if (ttlMs <= 0) {
            throw new IllegalArgumentException("streams.parts.ttl.ms must be > 0, was " + ttlMs);
        }
        return ttlMs;
    }

    /** How often (stream time) a processor should call {@link #expire}: a minute, or the TTL when shorter. */
    Duration expiryInterval() {
        return Duration.ofMillis(Math.min(ttlMs, 60_000));
    }

    /** The whole checkpoint once all its parts are in (at once for an unsplit one), else null. */
    SafeTensors offer(SafeTensors file, byte[] bytes, CheckpointMetadata meta, long timestamp) {
        if (meta.parts() == 1) {
            return file;
        }
        if (meta.runId().indexOf('\u0000') >= 0) {
            throw new MalformedRecordException("run_id of a split checkpoint must not contain NUL");
        }
        String prefix = prefix(meta.runId(), meta.step());
        if (parts.get(MARKER + prefix) == null) {
            parts.put(MARKER + prefix, ByteBuffer.allocate(12).putLong(timestamp).putInt(meta.parts()).array());
        }
        parts.put(prefix + String.format("%06d", meta.part()), bytes);
        List<KeyValue<String, byte[]>> received = group(prefix);
        if (received.size() < meta.parts()) {
            return null;
        }
        try {
            List<SafeTensors> files = new ArrayList<>();
            for (KeyValue<String, byte[]> kv : received) {
                files.add(SafeTensors.read(kv.value));
            }
            return CheckpointParts.merge(files);
        } finally {
            // a group that does not merge is dropped whole (the caller dead-letters it), never retried or left behind
            for (KeyValue<String, byte[]> kv : received) {
                parts.delete(kv.key);
            }
            parts.delete(MARKER + prefix);
        }
    }

    /** Removes every group whose first part is older than the TTL at {@code streamTime}; returns them. */
    List<Expired> expire(long streamTime) {
        List<KeyValue<String, byte[]>> markers = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(MARKER, new StringSerializer())) {
            it.forEachRemaining(markers::add);
        }
        List<Expired> out = new ArrayList<>();
        for (KeyValue<String, byte[]> marker : markers) {
            ByteBuffer value = ByteBuffer.wrap(marker.value);
            long first = value.getLong();
            if (streamTime - first < ttlMs) {
                continue;
            }
            String prefix = marker.key.substring(MARKER.length());
            List<byte[]> bytes = new ArrayList<>();
            for (KeyValue<String, byte[]> kv : group(prefix)) {
                bytes.add(kv.value);
                parts.delete(kv.key);
            }
            parts.delete(marker.key);
            int cut = prefix.indexOf('\u0000');
            out.add(new Expired(prefix.substring(0, cut), Long.parseLong(prefix.substring(cut + 1, prefix.length() - 1)),
                    value.getInt(), bytes));
        }
        return out;
    }

    private List<KeyValue<String, byte[]>> group(String prefix) {
        List<KeyValue<String, byte[]>> received = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(received::add);
        }
        return received;
    }

    private static String prefix(String runId, long step) {
        return runId + '\u0000' + step + '\u0000';
    }
}
