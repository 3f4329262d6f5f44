package io.weightcast.scorer;

import io.weightcast.core.records.DeadLetter;
import java.util.Base64;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds the scorer's dead letters: the reason, where the record came from, and the record itself. */
public final class DeadLetters {
    public static final String SERVICE = "scorer";
    /** Values above this travel without their bytes, so the dead letter itself fits in a record. */
    static final int MAX_VALUE_BYTES = 4 * 1024 * 1024;

    private DeadLetters() {
    }

    /** A dead letter for the record a stream processor is processing now. */
    public static DeadLetter of(ProcessingContext context, Record<String, byte[]> record, String reason) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        return of(SERVICE, meta == null ? null : meta.topic(), meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset(), record.key(), record.value(), reason, context.currentSystemTimeMs());
    }

    public static DeadLetter of(String service, String topic, int partition, long offset, String key, byte[] value,
                                String reason, long now) {
        int size = value == null ? 0 : value.length;
        boolean keep = value != null && size <= MAX_VALUE_BYTES;
        String why = value != null && !keep ? reason + " (value of " + size + " bytes not included)" : reason;
        return new DeadLetter(service, topic, partition, offset, key, why, size,
                keep ? Base64.getEncoder().encodeToString(value) : null, now);
    }
}
