package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BodyPaceTest {

    @Test
    void theMinimumRateAppliesAfterTheGracePeriodAndZeroTurnsItOff() {
        BodyPace pace = new BodyPace(1000, 10_000);
        assertThat(pace.tooSlow(0, 999)).as("within the grace period").isFalse();
        assertThat(pace.tooSlow(9_999, 1000)).isTrue();
        assertThat(pace.tooSlow(10_000, 1000)).isFalse();
        assertThat(pace.tooSlow(50_000, 6000)).as("8.3 KB/s on average").isTrue();
        assertThat(new BodyPace(1000, 0).tooSlow(0, 60_000)).isFalse();
    }

    @Test
    void checksOftenEnoughForTheIdleTimeout() {
        assertThat(new BodyPace(1000, 0).checkIntervalMs()).isEqualTo(250);
        assertThat(new BodyPace(30_000, 0).checkIntervalMs()).isEqualTo(1000);
        assertThat(new BodyPace(100, 0).checkIntervalMs()).isEqualTo(25);
    }
}
