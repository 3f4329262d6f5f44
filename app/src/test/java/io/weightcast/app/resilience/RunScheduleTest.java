package io.weightcast.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.app.load.SyntheticCheckpoints;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chaos load's schedule: every (run, step) once, each run started and finished exactly once, runs finishing during the load. */
class RunScheduleTest {

    @Test
    void everyRunGetsAllItsStepsOnceBetweenOneStartAndOneFinish() {
        ChaosHarness.RunSchedule schedule = new ChaosHarness.RunSchedule(4);
        Set<String> keys = new HashSet<>();
        Set<Integer> started = new HashSet<>();
        Set<Integer> finished = new HashSet<>();
        int firstFinishAt = -1;
        int n = 4 * SyntheticCheckpoints.PLANNED_STEPS * 3 + 5;
        for (int i = 0; i < n; i++) {
            ChaosHarness.RunSchedule.Slot s = schedule.next();
            assertThat(keys.add(s.run() + "#" + s.step())).as("unique (run, step)").isTrue();
            assertThat(s.step()).isBetween(1L, (long) SyntheticCheckpoints.PLANNED_STEPS);
            assertThat(s.first()).isEqualTo(s.step() == 1);
            if (s.first()) {
                assertThat(started.add(s.run())).isTrue();
            }
            if (s.last()) {
                assertThat(started).contains(s.run());
                assertThat(finished.add(s.run())).isTrue();
                if (firstFinishAt < 0) {
                    firstFinishAt = i;
                }
            }
        }
        assertThat(finished).hasSize(12);
        assertThat(started).hasSize(16); // 12 finished, 4 more under way
        assertThat(firstFinishAt).as("the first runs finish after lanes × steps sends").isEqualTo((SyntheticCheckpoints.PLANNED_STEPS - 1) * 4);
    }
}
