package io.weightcast.ingest;

/**
 * How slowly an admitted body may arrive: no gap longer than {@code idleTimeoutMs}, and once that long has passed,
 * at least {@code minBytesPerSecond} on average (0: no minimum). Keeps a trickling client from holding its share of
 * the in-flight budget (design §4, issue 21).
 */
record BodyPace(int idleTimeoutMs, int minBytesPerSecond) {

    /** How often a body's pace is looked at: often enough to notice an idle timeout within about a quarter of it. */
    long checkIntervalMs() {
        return Math.max(25, Math.min(1000, idleTimeoutMs / 4));
    }

    /** True when {@code received} bytes in {@code elapsedMs} is below the minimum rate, past the grace period. */
    boolean tooSlow(long received, long elapsedMs) {
        return minBytesPerSecond > 0 && elapsedMs >= idleTimeoutMs && received * 1000 < (long) minBytesPerSecond * elapsedMs;
    }
}
