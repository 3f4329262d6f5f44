package io.weightcast.ingest;

/**
 * Why a request was refused: the HTTP status it maps to and the {@code reason} label of
 * {@code weightcast_ingest_rejected_total} (a small fixed set, so the metric's cardinality stays bounded).
 */
public enum RejectReason {
    UNAUTHORIZED(401, "unauthorized"),
    /** A valid token outside its scope (the token file's studies or runs). */
    FORBIDDEN(403, "forbidden"),
    TOO_LARGE(413, "too_large"),
    INVALID_PARAMETER(400, "invalid_parameter"),
    MALFORMED_SAFETENSORS(400, "malformed_safetensors"),
    /** The safetensors header is above a cap (length, tensor count, rank): refused before it is parsed. */
    HEADER_LIMIT(400, "header_limit"),
    INVALID_METADATA(400, "invalid_metadata"),
    RUN_ID_MISMATCH(400, "run_id_mismatch"),
    NO_FLOAT_TENSOR(400, "no_float_tensor"),
    MALFORMED_EVENT(400, "malformed_event"),
    INVALID_EVENT(400, "invalid_event"),
    KAFKA_UNAVAILABLE(503, "kafka_unavailable"),
    /** A checkpoint above {@code store.threshold.bytes} could not be written to the claim-check store. */
    STORE_UNAVAILABLE(503, "store_unavailable"),
    /** A request with the same {@code Idempotency-Key} is still being processed (409 with Retry-After). */
    IN_PROGRESS(409, "in_progress"),
    /** The body stalled or arrived below the minimum rate; its share of the budget is freed (408). */
    BODY_TIMEOUT(408, "body_timeout"),
    /** Admission control: too many requests or body bytes in flight (429 with Retry-After). */
    OVERLOADED(429, "overloaded");

    private final int status;
    private final String label;

    RejectReason(int status, String label) {
        this.status = status;
        this.label = label;
    }

    public int status() {
        return status;
    }

    public String label() {
        return label;
    }
}
