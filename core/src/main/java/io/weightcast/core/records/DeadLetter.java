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
    /** Values above this are not copied (base64 would exceed the record limit); the source offset still points at them. */
    public static final int MAX_COPIED_BYTES = 6 * 1024 * 1024;

    /** A dead letter for {@code value} (copied when it fits) from {@code topic}-{@code partition}@{@code offset}, failed now. */
    public static DeadLetter of(String service, String topic, int partition, long offset, String key, byte[] value, String reason) {
        int size = value == null ? 0 : value.length;
        String copy = value != null && size <= MAX_COPIED_BYTES ? java.util.Base64.getEncoder().encodeToString(value) : null;
        return new DeadLetter(service, topic, partition, offset, key, reason, size, copy, System.currentTimeMillis());
    }
}
