package io.weightcast.ingest;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;

/**
 * The ingest gateway's settings, read once from {@link Settings}. Keys and defaults:
 * <ul>
 *   <li>{@code ingest.port} (8080; 0 = a free port, see {@link IngestService#port()})</li>
 *   <li>{@code ingest.host} (127.0.0.1)</li>
 *   <li>{@code ingest.tokens} (empty): comma-separated bearer tokens; empty disables auth (logged as a warning)</li>
 *   <li>{@code ingest.max.checkpoint.bytes} (268435456 = 256 MiB): larger bodies get 413</li>
 *   <li>{@code ingest.max.event.bytes} (1048576 = 1 MiB): larger run-event bodies get 413</li>
 *   <li>{@code ingest.max.record.bytes} ({@link KafkaConfigs#MAX_RECORD_BYTES} = 8 MiB, also the maximum):
 *       checkpoints above it are split into parts; lowered in tests to exercise splitting cheaply</li>
 *   <li>{@code ingest.ack.timeout.ms} (30000, at least 1000): how long a request may wait for Kafka
 *       (metadata, buffer space, acks) before it gets 503 with Retry-After</li>
 *   <li>{@code ingest.max.inflight.bytes} (268435456 = 256 MiB): admission control; the request bodies being
 *       read or waiting for Kafka acks may hold at most this many bytes. A request whose Content-Length would
 *       cross it is refused with 429 before its body is read; a chunked body is counted as it streams and
 *       refused when it crosses. Must be at least {@code ingest.max.checkpoint.bytes} and
 *       {@code ingest.max.event.bytes} (else a maximal upload could never be admitted). Counts body bytes
 *       only: parsing and splitting briefly hold about two more copies on worker threads.</li>
 *   <li>{@code ingest.max.inflight.requests} (512): at most this many checkpoint/event requests in flight;
 *       more get 429</li>
 *   <li>{@code ingest.retry.after.seconds} (1): the {@code Retry-After} of those 429s</li>
 *   <li>{@code kafka.bootstrap.servers} (required), {@code topic.prefix} ({@value Topics#DEFAULT_PREFIX})</li>
 * </ul>
 */
public record IngestSettings(String host, int port, String tokens, long maxCheckpointBytes, int maxEventBytes,
                             int maxRecordBytes, int ackTimeoutMs, long maxInflightBytes, int maxInflightRequests,
                             int retryAfterSeconds, String bootstrap, Topics topics) {
    public static final String PORT = "ingest.port";
    public static final String HOST = "ingest.host";
    public static final String TOKENS = "ingest.tokens";
    public static final String MAX_CHECKPOINT_BYTES = "ingest.max.checkpoint.bytes";
    public static final String MAX_EVENT_BYTES = "ingest.max.event.bytes";
    public static final String MAX_RECORD_BYTES = "ingest.max.record.bytes";
    public static final String ACK_TIMEOUT_MS = "ingest.ack.timeout.ms";
    public static final String MAX_INFLIGHT_BYTES = "ingest.max.inflight.bytes";
    public static final String MAX_INFLIGHT_REQUESTS = "ingest.max.inflight.requests";
    public static final String RETRY_AFTER_SECONDS = "ingest.retry.after.seconds";

    public static final long DEFAULT_MAX_CHECKPOINT_BYTES = 256L * 1024 * 1024;
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 256L * 1024 * 1024;

    public static IngestSettings from(Settings s) {
        IngestSettings out = new IngestSettings(
                s.get(HOST, "127.0.0.1"),
                s.getInt(PORT, 8080),
                s.get(TOKENS, ""),
                positiveLong(s, MAX_CHECKPOINT_BYTES, DEFAULT_MAX_CHECKPOINT_BYTES),
                s.getInt(MAX_EVENT_BYTES, 1024 * 1024),
                s.getInt(MAX_RECORD_BYTES, KafkaConfigs.MAX_RECORD_BYTES),
                s.getInt(ACK_TIMEOUT_MS, 30_000),
                positiveLong(s, MAX_INFLIGHT_BYTES, DEFAULT_MAX_INFLIGHT_BYTES),
                s.getInt(MAX_INFLIGHT_REQUESTS, 512),
                s.getInt(RETRY_AFTER_SECONDS, 1),
                s.bootstrap(),
                s.topics());
        out.check();
        return out;
    }

    private void check() {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("setting '" + PORT + "' must be in [0, 65535], was " + port);
        }
        if (maxRecordBytes < 4096 || maxRecordBytes > KafkaConfigs.MAX_RECORD_BYTES) {
            // Above the contract's limit the producer and the topics would refuse the records.
            throw new IllegalArgumentException("setting '" + MAX_RECORD_BYTES + "' must be in [4096, "
                    + KafkaConfigs.MAX_RECORD_BYTES + "], was " + maxRecordBytes);
        }
        if (maxEventBytes <= 0) {
            throw new IllegalArgumentException("setting '" + MAX_EVENT_BYTES + "' must be positive, was " + maxEventBytes);
        }
        if (maxCheckpointBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("setting '" + MAX_CHECKPOINT_BYTES + "' must fit in one Java array (< 2 GiB); "
                    + "larger checkpoints need the claim-check path (design §10)");
        }
        if (ackTimeoutMs < 1000) {
            throw new IllegalArgumentException("setting '" + ACK_TIMEOUT_MS + "' must be at least 1000, was " + ackTimeoutMs);
        }
        if (maxInflightBytes < Math.max(maxCheckpointBytes, maxEventBytes)) {
            throw new IllegalArgumentException("setting '" + MAX_INFLIGHT_BYTES + "' (" + maxInflightBytes + ") must be at least '"
                    + MAX_CHECKPOINT_BYTES + "' (" + maxCheckpointBytes + ") and '" + MAX_EVENT_BYTES + "' (" + maxEventBytes
                    + "), or a maximal upload could never be admitted");
        }
        if (maxInflightRequests <= 0) {
            throw new IllegalArgumentException("setting '" + MAX_INFLIGHT_REQUESTS + "' must be positive, was " + maxInflightRequests);
        }
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("setting '" + RETRY_AFTER_SECONDS + "' must not be negative, was " + retryAfterSeconds);
        }
    }

    /** Never prints the tokens. */
    @Override
    public String toString() {
        return "IngestSettings[host=" + host + ", port=" + port + ", tokens=" + (tokens.isBlank() ? "none" : "<redacted>")
                + ", maxCheckpointBytes=" + maxCheckpointBytes + ", maxEventBytes=" + maxEventBytes
                + ", maxRecordBytes=" + maxRecordBytes + ", ackTimeoutMs=" + ackTimeoutMs + ", maxInflightBytes=" + maxInflightBytes
                + ", maxInflightRequests=" + maxInflightRequests + ", retryAfterSeconds=" + retryAfterSeconds + ", bootstrap=" + bootstrap
                + ", topics=" + topics.prefix() + "*]";
    }

    private static long positiveLong(Settings s, String key, long fallback) {
        String v = s.get(key, null);
        try {
            long n = v == null ? fallback : Long.parseLong(v.strip());
            if (n <= 0) {
                throw new IllegalArgumentException("setting '" + key + "' must be positive, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting '" + key + "' must be an integer, was '" + v + "'");
        }
    }
}
