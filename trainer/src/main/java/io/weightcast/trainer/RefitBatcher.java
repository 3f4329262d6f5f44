package io.weightcast.trainer;

/**
 * Makes a due refit read what is already waiting in Kafka before it fits, so a backlog becomes ONE
 * fit on all of it instead of a fit per poll batch, each on a zoo only one poll (500 records, ~27
 * runs) larger, which falls further behind with every fit (docs/design-notes.md, "Trainer").
 *
 * <p>The rule, asked once per poll-loop turn: when no refit is due, {@link Action#IDLE}. When one is
 * due and the trainer still lags behind the {@code features} or {@code runs} topics (records between
 * its positions and the read_committed end offsets), {@link Action#READ_ON}: poll again and ask
 * again. When it lags no more, {@link Action#FIT}. A topic that never goes quiet cannot starve the
 * model: once a refit has been held for {@code maxDelay} (from the turn it first became due) it is
 * fitted anyway, with what has been read by then. The clock is the caller's (nanoseconds), so the
 * rule is tested without Kafka or sleeping. Not thread-safe: the poll thread's.
 */
final class RefitBatcher {
    /** What the poll loop does this turn. */
    enum Action {
        /** No refit is due. */
        IDLE,
        /** A refit is due but records are waiting: read them first. */
        READ_ON,
        /** Fit now, on everything read. */
        FIT
    }

    private final long maxDelayNanos;
    private long dueSinceNanos;
    private boolean holding;

    /** @param maxDelayMillis longest a due refit waits for the lag to reach zero; 0 fits at once (no batching) */
    RefitBatcher(long maxDelayMillis) {
        if (maxDelayMillis < 0) {
            throw new IllegalArgumentException("max delay must be >= 0 ms, was " + maxDelayMillis);
        }
        this.maxDelayNanos = maxDelayMillis * 1_000_000L;
    }

    /**
     * @param due        whether a refit is due (the {@link RefitPolicy}, or a new encoder's z)
     * @param lagRecords records the trainer has not read yet on the topics the zoo is built from
     * @param nowNanos   a monotonic clock ({@link System#nanoTime()})
     */
    Action decide(boolean due, long lagRecords, long nowNanos) {
        if (!due) {
            holding = false;
            return Action.IDLE;
        }
        if (!holding) {
            holding = true;
            dueSinceNanos = nowNanos;
        }
        if (lagRecords > 0 && nowNanos - dueSinceNanos < maxDelayNanos) {
            return Action.READ_ON;
        }
        return Action.FIT;
    }

    /** The fit ran (whatever its outcome); the next due refit starts a new wait. */
    void fitted() {
        holding = false;
    }

    /** Whether a due refit is being held back to read on (between its first READ_ON and its FIT). */
    boolean holding() {
        return holding;
    }

    /** How long the held refit has waited, 0 when none is held. */
    long heldNanos(long nowNanos) {
        return holding ? nowNanos - dueSinceNanos : 0;
    }
}
