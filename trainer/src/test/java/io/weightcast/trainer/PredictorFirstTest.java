package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PredictorFirstTest {
    @Test
    void anIdlePredictorNeverHoldsTheEncoder() throws Exception {
        PredictorFirst p = new PredictorFirst();
        p.awaitPredictorIdle(); // returns at once
        p.predictorBusy(true);
        p.predictorBusy(false);
        p.awaitPredictorIdle();
        assertThat(p.predictorBusy()).isFalse();
    }

    @Test
    void theEncoderWaitsWhileThePredictorIsBusyAndGoesOnWhenItIsDone() throws Exception {
        PredictorFirst p = new PredictorFirst();
        p.predictorBusy(true);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicBoolean passed = new AtomicBoolean();
        Thread encoder = new Thread(() -> {
            try {
                waiting.countDown();
                p.awaitPredictorIdle();
                passed.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        encoder.start();
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        encoder.join(300);
        assertThat(encoder.isAlive()).as("encoder paused").isTrue();
        assertThat(passed).isFalse();
        p.predictorBusy(false);
        encoder.join(5000);
        assertThat(passed).as("encoder resumed").isTrue();
    }

    @Test
    void closingInterruptsAPausedEncoder() throws Exception {
        PredictorFirst p = new PredictorFirst();
        p.predictorBusy(true);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread encoder = new Thread(() -> {
            try {
                p.awaitPredictorIdle();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        encoder.start();
        encoder.join(200);
        encoder.interrupt();
        encoder.join(5000);
        assertThat(interrupted).isTrue();
    }
}
