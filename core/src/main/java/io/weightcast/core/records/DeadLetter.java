package io.weightcast.core.records;

/**
 * A value of the {@code dead-letters} topic: what could not be processed, why, and where it came from.
 * The original value travels in the record (base64) so nothing is lost.
 */
public record DeadLetter(
        String service,
        String sourceTopic,
        int partition,
        long offset,
        String key,
        String reason,
        int valueBytes,
        String valueBase64,
        long failedAt) {
}
