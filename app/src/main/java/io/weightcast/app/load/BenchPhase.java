package io.weightcast.app.load;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The live counters of one load step (a fixed offered rate, the max-rate step, or the warm-up),
 * updated by the sending loop, the send callbacks and the score watcher. Times are
 * {@link System#nanoTime()} values.
 */
final class BenchPhase {
    final String name;
    /** Checkpoints per second offered; null in max mode (as fast as the producer allows). */
    final Double offeredRate;
    final double seconds;

    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    final AtomicLong scored = new AtomicLong();
    final AtomicLong scoredDuringSend = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong alerts = new AtomicLong();
    final AtomicLong outstanding = new AtomicLong();
    final LatencyRecorder recordToScore = new LatencyRecorder();
    final LatencyRecorder sendToSeen = new LatencyRecorder();
    final LatencyRecorder sendToAck = new LatencyRecorder();

    volatile long startNanos;
    /** When the sending loop stopped; {@code Long.MAX_VALUE} while it runs. */
    volatile long sendEndNanos = Long.MAX_VALUE;
    volatile long lastAckNanos;
    volatile long firstScoreNanos;
    volatile long lastScoreNanos;
    volatile String firstError;

    BenchPhase(String name, Double offeredRate, double seconds) {
        this.name = name;
        this.offeredRate = offeredRate;
        this.seconds = seconds;
    }

    void acked(long sendNanos) {
        long now = System.nanoTime();
        acked.incrementAndGet();
        lastAckNanos = now;
        sendToAck.record((now - sendNanos) / 1e6);
        outstanding.decrementAndGet();
    }

    void failed(Throwable error) {
        sendErrors.incrementAndGet();
        if (firstError == null) {
            firstError = String.valueOf(error.getMessage() != null ? error.getMessage() : error);
        }
        outstanding.decrementAndGet();
    }

    /** A first score for one of this phase's checkpoints. */
    void scored(long sendNanos, long arrivalNanos, long recordToScoreMillis) {
        scored.incrementAndGet();
        if (arrivalNanos <= sendEndNanos) {
            scoredDuringSend.incrementAndGet();
        }
        if (firstScoreNanos == 0) {
            firstScoreNanos = arrivalNanos; // one watcher thread sets these: no race
        }
        lastScoreNanos = Math.max(lastScoreNanos, arrivalNanos);
        recordToScore.record(recordToScoreMillis);
        sendToSeen.record((arrivalNanos - sendNanos) / 1e6);
    }

    /** Every send answered and every acked checkpoint scored. */
    boolean drained() {
        return outstanding.get() == 0 && scored.get() >= acked.get();
    }
}
