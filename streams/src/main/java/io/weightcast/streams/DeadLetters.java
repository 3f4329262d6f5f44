package io.weightcast.streams;

import io.weightcast.core.records.DeadLetter;
import java.util.Base64;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead-letter records that carry the reason, the source coordinates and (when it fits) the value. */
final class DeadLetters {
    /** Values above this are not copied (base64 would exceed the record limit); the source offset still points at them. */
    static final int MAX_COPIED_BYTES = 6 * 1024 * 1024;

    private DeadLetters() {
    }

    static DeadLetter of(String service, RecordMetadata source, String key, byte[] value, String reason) {
        int size = value == null ? 0 : value.length;
        String copy = value != null && size <= MAX_COPIED_BYTES ? Base64.getEncoder().encodeToString(value) : null;
        return new DeadLetter(service,
                source == null ? null : source.topic(),
                source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(),
                key, reason, size, copy, System.currentTimeMillis());
    }
}
