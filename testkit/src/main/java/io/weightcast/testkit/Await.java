package io.weightcast.testkit;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one poll-until of the tests: checks a condition until it holds or the timeout passes, then checks it once more
 * and fails with an {@link AssertionError} naming what it waited for. The pause between checks starts at
 * {@link #FIRST_POLL} and doubles up to {@link #MAX_POLL}: a condition that is nearly true is seen at once (a loop of
 * short waits stays fast) and a long wait costs the two shared cores little.
 *
 * <p>An exception or failed assertion thrown by the condition fails the wait at once; a condition that may throw while
 * the system under test is still getting there (an HTTP server not listening yet, a JSON answer not complete yet) is
 * wrapped in {@link #ignoringFailures}, which reads them as "not yet" and keeps the last one as the timeout's cause.
 */
public final class Await {
    public static final Duration FIRST_POLL = Duration.ofMillis(10);
    public static final Duration MAX_POLL = Duration.ofMillis(100);

    private Await() {
    }

    /** A condition that may throw (HTTP calls, Kafka admin calls). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits until {@code condition} holds, at most {@code timeout}. */
    public static void until(String what, Duration timeout, Condition condition) {
        until(() -> what, timeout, condition);
    }

    /** The same with a message computed on failure (to show the state that was last seen). */
    public static void until(Supplier<String> what, Duration timeout, Condition condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        LastFailure last = condition instanceof LastFailure l ? l : null;
        long pause = FIRST_POLL.toMillis();
        try {
            while (!condition.holds()) {
                if (System.nanoTime() > deadline) {
                    if (condition.holds()) {
                        return;
                    }
                    AssertionError e = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
                    if (last != null && last.failure != null) {
                        e.initCause(last.failure);
                    }
                    throw e;
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, MAX_POLL.toMillis());
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what.get(), e);
        } catch (Exception e) {
            throw new AssertionError("failed waiting for " + what.get() + ": " + e, e);
        }
    }

    /** {@code condition} with an exception or a failed assertion read as "not yet"; the last becomes a timeout's cause. */
    public static Condition ignoringFailures(Condition condition) {
        return new LastFailure(condition);
    }

    private static final class LastFailure implements Condition {
        private final Condition condition;
        private Throwable failure;

        LastFailure(Condition condition) {
            this.condition = condition;
        }

        @Override
        public boolean holds() {
            try {
                return condition.holds();
            } catch (Exception | AssertionError e) {
                failure = e;
                return false;
            }
        }
    }
}
