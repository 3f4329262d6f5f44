package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RunSplitTest {
    private static List<String> ids(int n) {
        return IntStream.range(0, n).mapToObj(i -> "run-" + i).toList();
    }

    @Test
    void aRunsCheckpointsNeverStraddleTheSplit() {
        List<ZooRun> zoo = new SyntheticZoo(1).zoo(60, 7);
        RunSplit.Sides<ZooRun> sides = new RunSplit(0.25, 42).apply(zoo, ZooRun::runId);
        TrainingRows train = TrainingRows.of(sides.train());
        TrainingRows holdout = TrainingRows.of(sides.holdout());

        Set<String> trainRowRuns = new HashSet<>();
        for (int r = 0; r < train.rows(); r++) {
            trainRowRuns.add(sides.train().get(train.runOf()[r]).runId());
        }
        Set<String> holdoutRowRuns = new HashSet<>();
        for (int r = 0; r < holdout.rows(); r++) {
            holdoutRowRuns.add(sides.holdout().get(holdout.runOf()[r]).runId());
        }
        assertThat(trainRowRuns).doesNotContainAnyElementsOf(holdoutRowRuns);
        assertThat(train.rows() + holdout.rows()).isEqualTo(60 * 7);
        assertThat(trainRowRuns.size() + holdoutRowRuns.size()).isEqualTo(60);
    }

    @Test
    void isDeterministicAndIndependentOfInputOrder() {
        List<String> ids = ids(200);
        List<String> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(7));
        RunSplit split = new RunSplit(0.25, 42);
        assertThat(split.split(shuffled)).isEqualTo(split.split(ids));
        assertThat(new RunSplit(0.25, 42).split(ids)).isEqualTo(split.split(ids));
        assertThat(new RunSplit(0.25, 43).split(ids).holdout()).isNotEqualTo(split.split(ids).holdout());
    }

    @Test
    void holdsOutAboutTheFraction() {
        RunSplit.Split s = new RunSplit(0.25, 42).split(ids(4000));
        assertThat(s.holdout().size() / 4000.0).isBetween(0.22, 0.28);
        assertThat(s.train().size() + s.holdout().size()).isEqualTo(4000);
    }

    @Test
    void runsKeepTheirSideAsTheZooGrows() {
        RunSplit split = new RunSplit(0.25, 42);
        RunSplit.Split small = split.split(ids(100));
        RunSplit.Split large = split.split(ids(300));
        assertThat(large.holdout()).containsAll(small.holdout());
        assertThat(large.train()).containsAll(small.train());
    }

    @Test
    void alwaysHoldsOutTwoRunsAndTrainsOnOne() {
        RunSplit.Split few = new RunSplit(0.001, 42).split(ids(3));
        assertThat(few.holdout()).hasSize(2);
        assertThat(few.train()).hasSize(1);
        RunSplit.Split most = new RunSplit(0.999, 42).split(ids(5));
        assertThat(most.train()).isNotEmpty();
        assertThat(most.holdout()).hasSizeGreaterThanOrEqualTo(2);
        assertThatThrownBy(() -> new RunSplit(0.25, 42).split(ids(2))).hasMessageContaining("at least 3 runs");
    }
}
