package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitAndFoldsTest {

    static EvalRun run(String id, int epochs, double finalAcc) {
        List<EvalRun.Epoch> e = new ArrayList<>();
        for (int s = 1; s <= epochs; s++) {
            double[] f = new double[FeatureLayout.size()];
            f[0] = s;
            e.add(new EvalRun.Epoch(s, f, Map.of(), Map.of(), false, finalAcc));
        }
        return new EvalRun(id, "tanh", finalAcc, e);
    }

    private static List<EvalRun> zoo(int n) {
        return IntStream.range(0, n).mapToObj(i -> run("digits-1-" + i, 4, i / (double) n)).toList();
    }

    @Test
    void splitIsByRunDeterministicAndStableAsTheZooGrows() {
        List<EvalRun> runs = zoo(200);
        TrainTestSplit a = TrainTestSplit.of(runs, 0.3, 1);
        Set<String> test = ids(a.test());
        assertThat(ids(a.train())).doesNotContainAnyElementsOf(test);
        assertThat(a.train().size() + a.test().size()).isEqualTo(200);
        assertThat(a.test().size()).isBetween(40, 80);
        assertThat(ids(TrainTestSplit.of(runs, 0.3, 1).test())).isEqualTo(test);
        assertThat(ids(TrainTestSplit.of(runs, 0.3, 2).test())).isNotEqualTo(test);
        // the first 100 runs keep their sides in the 200-run zoo
        Set<String> testOfHalf = ids(TrainTestSplit.of(runs.subList(0, 100), 0.3, 1).test());
        assertThat(testOfHalf).isEqualTo(ids(a.test().stream().filter(r -> runs.indexOf(r) < 100).toList()));

        // every checkpoint row of a test run is on the test side
        int[] cols = FeatureSet.ALL.columns();
        Rows testRows = Rows.of(a.test(), cols);
        assertThat(testRows.rows()).isEqualTo(a.test().size() * 4);
        for (int i = 0; i < testRows.rows(); i++) {
            assertThat(test).contains(a.test().get(testRows.run()[i]).runId());
        }
    }

    @Test
    void foldsAreByRunBalancedAndSeeded() {
        int[] fold = RunFolds.assign(10, 3, 5);
        int[] sizes = new int[3];
        for (int f : fold) {
            sizes[f]++;
        }
        assertThat(sizes).containsExactlyInAnyOrder(4, 3, 3);
        assertThat(RunFolds.assign(10, 3, 5)).containsExactly(fold);
        List<EvalRun> runs = zoo(10);
        List<EvalRun> in = RunFolds.select(runs, fold, 0, true);
        List<EvalRun> out = RunFolds.select(runs, fold, 0, false);
        assertThat(in.size() + out.size()).isEqualTo(10);
        assertThat(ids(in)).doesNotContainAnyElementsOf(ids(out));
        assertThatThrownBy(() -> RunFolds.assign(2, 3, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rowsOfOneEpochAndTargets() {
        List<EvalRun> runs = zoo(5);
        Rows e2 = Rows.of(runs, new int[] {0}, 2);
        assertThat(e2.rows()).isEqualTo(5);
        assertThat(e2.epoch()).containsOnly(2);
        assertThat(e2.matrix()).containsOnly(2.0);
        assertThat(e2.targets()[3]).isEqualTo(runs.get(3).finalAccuracy());
    }

    private static Set<String> ids(List<EvalRun> runs) {
        Set<String> s = new HashSet<>();
        runs.forEach(r -> s.add(r.runId()));
        return s;
    }
}
