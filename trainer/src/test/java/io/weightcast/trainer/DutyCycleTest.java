package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DutyCycleTest {
    private static final long MS = 1_000_000L;

    private final long[] now = {0};
    private final List<Long> slept = new ArrayList<>();

    private DutyCycle cycle(double share) {
        return new DutyCycle(share, () -> now[0], nanos -> {
            slept.add(nanos);
            now[0] += nanos;
        });
    }

    @Test
    void afterEachStepItRestsSoTheStepsComputeAtMostTheirShareOfWallTime() throws Exception {
        DutyCycle d = cycle(0.25);
        d.workDone(); // before the first step: nothing was done yet
        assertThat(slept).isEmpty();
        long work = 0;
        long start = now[0];
        for (int step = 1; step <= 5; step++) {
            d.workStarts();
            now[0] += step * 10 * MS; // the step computes
            work += step * 10 * MS;
            d.workDone();
            now[0] += 7 * MS; // then waits for a predictor refit: not work, so no extra rest for it
        }
        assertThat(slept).containsExactly(30 * MS, 60 * MS, 90 * MS, 120 * MS, 150 * MS);
        assertThat(d.restedNanos()).isEqualTo(3 * work);
        assertThat((double) work / (now[0] - start)).isLessThanOrEqualTo(0.25);
    }

    @Test
    void aShareOfOneNeverRestsAndARestCountsOnlyOnce() throws Exception {
        DutyCycle all = cycle(1.0);
        all.workStarts();
        now[0] += 50 * MS;
        all.workDone();
        assertThat(slept).isEmpty();

        DutyCycle half = cycle(0.5);
        half.workStarts();
        now[0] += 20 * MS;
        assertThat(half.workDone()).isEqualTo(20 * MS);
        assertThat(half.workDone()).as("a second call without a step in between adds no rest").isZero();
        assertThat(slept).containsExactly(20 * MS);
    }

    @Test
    void theShareMustBeAPositiveFractionInTheSettingsToo() {
        assertThatThrownBy(() -> cycle(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cycle(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EncoderSettings.from(Settings.of(Map.of("trainer.encoder.cpu.share", "0")), 1))
                .isInstanceOf(InvalidSettingException.class);
        assertThat(EncoderSettings.from(Settings.of(Map.of()), 1).cpuShare()).isEqualTo(0.5);
        assertThat(EncoderSettings.from(Settings.of(Map.of("trainer.encoder.cpu.share", "0.2")), 1).cpuShare()).isEqualTo(0.2);
    }
}
