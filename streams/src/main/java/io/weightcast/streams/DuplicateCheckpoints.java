package io.weightcast.streams;

import io.weightcast.core.records.CheckpointMetadata;
import java.time.Duration;
import java.util.zip.CRC32C;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops a checkpoint record that is a byte-identical copy of one that passed within the window before or after it:
 * what a producer's retry leaves behind when the broker had the record but the producer never heard (an HTTP client
 * retrying after a lost 202, ingest restarted between the ack and the answer, a plain producer without idempotence).
 * Exactly-once processing cannot see these: to Kafka they are two records. The pattern is the Kafka Streams examples'
 * event deduplication: a window store keyed by the record's identity (run, step, part, length, CRC32C of the bytes),
 * whose retention, the window, bounds it. A checkpoint sent again with other bytes (a run that repeats a step) is not
 * a copy, and passes.
 */
final class DuplicateCheckpoints {
    /** Default {@code streams.dedup.window.ms}: retries come within seconds; an hour covers a client's longest back-off. */
    static final long DEFAULT_WINDOW_MS = 3_600_000L;

    private final WindowStore<String, Long> seen;
    private final long windowMs;

    DuplicateCheckpoints(WindowStore<String, Long> seen, long windowMs) {
        this.seen = seen;
        this.windowMs = windowMs;
    }

    /** The store it needs, retaining identities for the window. */
    static StoreBuilder<WindowStore<String, Long>> store(String name, long windowMs) {
        Duration window = Duration.ofMillis(windowMs);
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(name, window, window, false), Serdes.String(), Serdes.Long());
    }

    /** Whether this record's identical copy passed within the window; if not, it is remembered as passed. */
    boolean repeated(CheckpointMetadata meta, byte[] value, long timestamp) {
        if (seen(meta, value, timestamp)) {
            return true;
        }
        remember(meta, value, timestamp);
        return false;
    }

    /** Whether this record's identical copy passed within the window (nothing written). */
    boolean seen(CheckpointMetadata meta, byte[] value, long timestamp) {
        try (WindowStoreIterator<Long> it = seen.fetch(identity(meta, value), Math.max(0, timestamp - windowMs), timestamp + windowMs)) {
            return it.hasNext();
        }
    }

    /**
     * Remembers the record as passed. A caller with slow work to do writes this after it, so that the write, which
     * opens the exactly-once transaction, comes at the end of the record's processing rather than before it.
     */
    void remember(CheckpointMetadata meta, byte[] value, long timestamp) {
        seen.put(identity(meta, value), timestamp, Math.max(0, timestamp));
    }

    private static String identity(CheckpointMetadata meta, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(value);
        return meta.runId() + '\u0000' + meta.step() + '\u0000' + meta.part() + '\u0000' + value.length + '\u0000'
                + Long.toHexString(crc.getValue());
    }
}
