package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    private static final RetryBackoff BACKOFF = new RetryBackoff(5, Duration.ofMillis(200), Duration.ofSeconds(75));

    @Test
    void theBudgetIsAQuarterOfMaxPollInterval() {
        assertThat(RetryBackoff.budgetFor(Duration.ofMillis(5000))).isEqualTo(Duration.ofMillis(1250));
        assertThat(RetryBackoff.budgetFor(RetryBackoff.DEFAULT_MAX_POLL_INTERVAL)).isEqualTo(Duration.ofSeconds(75));
    }

    @Test
    void retryNWaitsBetweenHalfAndAllOfBaseTimesTwoToTheNMinusOne() {
        for (int retry = 1; retry <= 5; retry++) {
            long nominal = 200L << (retry - 1);
            assertThat(BACKOFF.delayMillis(retry, Duration.ZERO, null, 0.0)).hasValue(nominal / 2);
            assertThat(BACKOFF.delayMillis(retry, Duration.ZERO, null, 0.999_999).getAsLong()).isBetween(nominal - 1, nominal);
            Random random = new Random(retry);
            for (int i = 0; i < 1000; i++) {
                assertThat(BACKOFF.delayMillis(retry, Duration.ZERO, null, random.nextDouble()).getAsLong()).isBetween(nominal / 2, nominal);
            }
        }
    }

    @Test
    void theJitterSpreadsTheDelays() {
        Random random = new Random(7);
        long distinct = java.util.stream.IntStream.range(0, 100)
                .mapToLong(i -> BACKOFF.delayMillis(3, Duration.ZERO, null, random.nextDouble()).getAsLong()).distinct().count();
        assertThat(distinct).isGreaterThan(50);
    }

    @Test
    void afterTheLastRetryItGivesUp() {
        assertThat(BACKOFF.delayMillis(6, Duration.ZERO, null, 0.5)).isEmpty();
        assertThat(new RetryBackoff(0, Duration.ofMillis(200), Duration.ofSeconds(1)).delayMillis(1, Duration.ZERO, null, 0.5)).isEmpty();
    }

    @Test
    void retryAfterIsHonouredWhenLongerThanTheBackOff() {
        assertThat(BACKOFF.delayMillis(1, Duration.ZERO, Duration.ofSeconds(3), 0.5)).hasValue(3000);
        assertThat(BACKOFF.delayMillis(5, Duration.ZERO, Duration.ofMillis(10), 0.0)).hasValue(1600); // shorter: the back-off wins
    }

    @Test
    void aRetryAfterPastTheBudgetGivesUpNow() {
        assertThat(BACKOFF.delayMillis(1, Duration.ofSeconds(10), Duration.ofSeconds(65), 0.5)).isEmpty();
        assertThat(BACKOFF.delayMillis(1, Duration.ofSeconds(10), Duration.ofSeconds(64), 0.5)).hasValue(64_000);
    }

    @Test
    void theWaitsAndAttemptsOfOneAlertFitTheBudgetWhateverTheJitter() {
        RetryBackoff tight = new RetryBackoff(1000, Duration.ofMillis(100), Duration.ofMillis(1250));
        Random random = new Random(42);
        for (long attemptMillis : new long[] {0, 1, 50, 400}) {
            long elapsed = 0;
            int retry = 1;
            while (true) {
                elapsed += attemptMillis; // the attempt before this wait
                OptionalLong d = tight.delayMillis(retry++, Duration.ofMillis(elapsed), null, random.nextDouble());
                if (d.isEmpty()) {
                    break;
                }
                elapsed += d.getAsLong();
                assertThat(elapsed).isLessThan(1250);
                assertThat(tight.remaining(Duration.ofMillis(elapsed)).toMillis()).isEqualTo(1250 - elapsed);
            }
            assertThat(elapsed).isLessThanOrEqualTo(1250 + attemptMillis);
        }
        assertThat(tight.remaining(Duration.ofSeconds(2))).isEqualTo(Duration.ZERO);
    }

    @Test
    void manyRetriesNeitherOverflowNorExceedTheBudget() {
        RetryBackoff many = new RetryBackoff(Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(75));
        assertThat(many.delayMillis(100, Duration.ZERO, null, 0.999).getAsLong()).isBetween(37_500L, 75_000L);
        assertThat(many.delayMillis(100, Duration.ofSeconds(1), null, 0.999)).isEmpty();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new RetryBackoff(-1, Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryBackoff(1, Duration.ZERO, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
