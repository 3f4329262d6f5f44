package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.trainer.RefitBatcher.Action;
import org.junit.jupiter.api.Test;

class RefitBatcherTest {
    private static final long MS = 1_000_000L;

    @Test
    void nothingDueIsIdleWhateverTheLag() {
        RefitBatcher b = new RefitBatcher(30_000);
        assertThat(b.decide(false, 0, 0)).isEqualTo(Action.IDLE);
        assertThat(b.decide(false, 5_000, 1)).isEqualTo(Action.IDLE);
        assertThat(b.holding()).isFalse();
    }

    @Test
    void aDueRefitWithNothingWaitingFitsAtOnce() {
        RefitBatcher b = new RefitBatcher(30_000);
        assertThat(b.decide(true, 0, 0)).isEqualTo(Action.FIT);
    }

    @Test
    void aDueRefitReadsOnUntilTheLagIsZeroThenFitsOnce() {
        RefitBatcher b = new RefitBatcher(30_000);
        long t = 1_000 * MS;
        assertThat(b.decide(true, 19_000, t)).isEqualTo(Action.READ_ON);
        assertThat(b.holding()).isTrue();
        assertThat(b.decide(true, 18_500, t + 200 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 1, t + 5_000 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.heldNanos(t + 5_000 * MS)).isEqualTo(5_000 * MS);
        assertThat(b.decide(true, 0, t + 5_200 * MS)).isEqualTo(Action.FIT);
        b.fitted();
        assertThat(b.holding()).isFalse();
        assertThat(b.heldNanos(t + 6_000 * MS)).isZero();
        // the fit made the policy not due: idle, even with new records
        assertThat(b.decide(false, 300, t + 6_000 * MS)).isEqualTo(Action.IDLE);
    }

    @Test
    void aTopicThatNeverGoesQuietStillGetsAFitEveryMaxDelay() {
        RefitBatcher b = new RefitBatcher(30_000);
        long t = 0;
        assertThat(b.decide(true, 500, t)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 500, t + 29_999 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 500, t + 30_000 * MS)).isEqualTo(Action.FIT);
        b.fitted();
        // the next due refit waits afresh from when it became due
        assertThat(b.decide(true, 500, t + 31_000 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 500, t + 60_999 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 500, t + 61_000 * MS)).isEqualTo(Action.FIT);
    }

    @Test
    void aRefitThatStopsBeingDueWhileHeldStartsItsWaitAgain() {
        RefitBatcher b = new RefitBatcher(10_000);
        assertThat(b.decide(true, 100, 0)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(false, 100, 9_000 * MS)).isEqualTo(Action.IDLE); // e.g. a restart's baseline
        assertThat(b.decide(true, 100, 9_500 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 100, 19_499 * MS)).isEqualTo(Action.READ_ON);
        assertThat(b.decide(true, 100, 19_500 * MS)).isEqualTo(Action.FIT);
    }

    @Test
    void zeroMaxDelayNeverHoldsARefit() {
        RefitBatcher b = new RefitBatcher(0);
        assertThat(b.decide(true, 10_000, 0)).isEqualTo(Action.FIT);
    }

    @Test
    void negativeMaxDelayIsRefused() {
        assertThatThrownBy(() -> new RefitBatcher(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
