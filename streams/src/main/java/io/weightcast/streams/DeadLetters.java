package io.weightcast.streams;

import io.weightcast.core.records.DeadLetter;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead-letter records that carry the reason, the source coordinates and (when it fits) the value. */
final class DeadLetters {
    private DeadLetters() {
    }

    static DeadLetter of(String service, RecordMetadata source, String key, byte[] value, String reason) {
        return DeadLetter.of(service, source == null ? null : source.topic(), source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(), key, value, reason);
    }
}
