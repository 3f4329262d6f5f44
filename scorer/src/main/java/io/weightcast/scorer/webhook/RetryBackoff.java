package io.weightcast.scorer.webhook;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * When a failed delivery to one hook is tried again: jittered exponential back-off (retry n waits a random
 * time in [d/2, d] with d = base·2^(n-1), so hooks failing together do not retry in lock-step), never sooner
 * than the receiver's {@code Retry-After}, and never past the budget: every attempt and wait of one alert for
 * one hook fits in {@code budget}, measured from the first attempt.
 *
 * @param retries retries after the first attempt
 * @param base    the first retry's nominal delay
 * @param budget  total time one alert may spend on one hook, attempts included; see {@link #budgetFor}
 */
public record RetryBackoff(int retries, Duration base, Duration budget) {
    /** The budget as a fraction of {@code max.poll.interval.ms}: see {@link #budgetFor}. */
    static final int BUDGET_DIVISOR = 4;
    /** Kafka's default {@code max.poll.interval.ms}. */
    static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);

    public RetryBackoff {
        if (retries < 0 || base.isNegative() || budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("retries and base must be ≥ 0 and the budget positive: " + retries + ", " + base + ", " + budget);
        }
    }

    /**
     * The per-alert, per-hook budget from the notifier consumer's {@code max.poll.interval.ms}: a quarter of it
     * (75 s with Kafka's default 5 min). When a rebalance revokes a partition, the notifier waits for the deliveries
     * in flight at most one budget before committing, well inside the rebalance timeout (= max.poll.interval.ms),
     * and a hook that is down costs at most one budget per alert on its own queue.
     */
    public static Duration budgetFor(Duration maxPollInterval) {
        return maxPollInterval.dividedBy(BUDGET_DIVISOR);
    }

    /**
     * How long to wait before retry number {@code retry} (1-based), or empty to give up: no retries left, or the
     * wait (the jittered delay, or {@code retryAfter} if longer) would end at or past the budget.
     *
     * @param elapsed    time since the first attempt started
     * @param retryAfter the receiver's Retry-After, or null
     * @param unitRandom uniform in [0, 1): the jitter
     */
    public OptionalLong delayMillis(int retry, Duration elapsed, Duration retryAfter, double unitRandom) {
        if (retry < 1 || retry > retries) {
            return OptionalLong.empty();
        }
        long nominal = nominalMillis(retry);
        long delay = nominal / 2 + (long) (unitRandom * (nominal - nominal / 2));
        if (retryAfter != null) {
            delay = Math.max(delay, retryAfter.toMillis());
        }
        return elapsed.toMillis() + delay < budget.toMillis() ? OptionalLong.of(delay) : OptionalLong.empty();
    }

    /** What is left of the budget after {@code elapsed}: the most the next request may take. */
    public Duration remaining(Duration elapsed) {
        Duration left = budget.minus(elapsed);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** base·2^(retry-1), capped at the budget (no overflow for large retry counts). */
    private long nominalMillis(int retry) {
        long cap = budget.toMillis();
        long d = base.toMillis();
        for (int i = 1; i < retry && d < cap; i++) {
            d *= 2;
        }
        return Math.min(d, cap);
    }
}
