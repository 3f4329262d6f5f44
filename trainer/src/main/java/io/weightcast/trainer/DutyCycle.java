package io.weightcast.trainer;

import java.util.function.LongSupplier;

/**
 * A CPU budget for background work done in units (the encoder's training steps): before each unit it rests for
 * as long as makes the previous unit's work {@code share} of the wall time it and its rest took, so the work
 * computes at most that share of the time (0.5: half a core at most, however long the training). Time spent
 * elsewhere between two units (a pause for a predictor refit) is not counted as work. Not thread-safe: one
 * worker thread.
 */
final class DutyCycle {

    /** Sleeps for the given nanoseconds; interruptible. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final double share;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private long workStart = -1;
    private long restedNanos;

    DutyCycle(double share, LongSupplier clock, Sleeper sleeper) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a duty cycle's share must be in (0, 1], got " + share);
        }
        this.share = share;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    static DutyCycle of(double share) {
        return new DutyCycle(share, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L)));
    }

    /**
     * The worker, when the unit of work under way is done (before anything else it waits for): rests its share.
     *
     * @return nanoseconds rested
     */
    long workDone() throws InterruptedException {
        if (workStart < 0) {
            return 0;
        }
        long worked = clock.getAsLong() - workStart;
        workStart = -1;
        long rest = share >= 1 ? 0 : (long) (worked * (1 - share) / share);
        if (rest <= 0) {
            return 0;
        }
        sleeper.sleep(rest);
        restedNanos += rest;
        return rest;
    }

    /** The worker, right before a unit of work starts. */
    void workStarts() {
        workStart = clock.getAsLong();
    }

    /** Nanoseconds rested so far. */
    long restedNanos() {
        return restedNanos;
    }
}
