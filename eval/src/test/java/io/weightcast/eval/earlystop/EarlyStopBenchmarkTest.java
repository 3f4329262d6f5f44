package io.weightcast.eval.earlystop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EarlyStopBenchmarkTest {

    private static EarlyStopBenchmark.Scored s(String name, double saved, double top5, double top5Min, double regret) {
        return new EarlyStopBenchmark.Scored("p", Map.of("name", name),
                new EarlyStopOutcome(saved, top5, top5Min, top5Min >= 1 ? 1 : 0.5, regret, regret));
    }

    @Test
    void bestKeepsEveryTopRunInEveryOrderThenSavesMost() {
        List<EarlyStopBenchmark.Scored> sweep = List.of(
                s("greedy", 0.95, 0.9, 0.5, 0.01),
                s("safe", 0.60, 1.0, 1.0, 0.0),
                s("safer", 0.70, 1.0, 1.0, 0.0),
                s("lucky", 0.80, 0.99, 0.9, 0.0)); // lost a top run in one order
        assertThat(EarlyStopBenchmark.best(sweep).params().get("name")).isEqualTo("safer");
    }

    @Test
    void withoutASafeSettingTheHighestTopShareWins() {
        List<EarlyStopBenchmark.Scored> sweep = List.of(s("a", 0.9, 0.7, 0.0, 0.1), s("b", 0.5, 0.9, 0.5, 0.0),
                s("c", 0.6, 0.9, 0.5, 0.0));
        assertThat(EarlyStopBenchmark.best(sweep).params().get("name")).isEqualTo("c");
    }

    @Test
    void dominanceNeedsAtLeastAsMuchSavedAndKept() {
        List<EarlyStopBenchmark.Scored> weightcast = List.of(s("w1", 0.8, 1.0, 1.0, 0), s("w2", 0.9, 0.9, 0.5, 0.01));
        List<EarlyStopBenchmark.Scored> others = List.of(
                s("below", 0.7, 1.0, 1.0, 0),      // w1 saves more, keeps as much
                s("equal", 0.8, 1.0, 1.0, 0),      // ties count as on the curve
                s("greedier", 0.95, 0.8, 0.5, 0),  // saves more than any Weightcast setting
                s("worstOrder", 0.85, 0.9, 0.8, 0)); // w2 saves more, same mean, but a worse worst order
        assertThat(EarlyStopBenchmark.dominated(weightcast, others)).isEqualTo(0.5);
    }

    @Test
    void curveRuleStopsTheRunsWhoseValidationAccuracyLags() {
        double[][] valAcc = {{0.9, 0.95}, {0.1, 0.1}, {0.85, 0.9}};
        double[][] training = {{0.8, 0.9}, {0.2, 0.3}, {0.85, 0.92}};
        double[] finals = {0.95, 0.1, 0.9};
        List<EarlyStopBenchmark.Scored> sweep = EarlyStopBenchmark.curveSweep(valAcc, training, finals,
                List.of(new int[] {0, 1, 2}, new int[] {2, 1, 0}));
        assertThat(sweep).hasSize(EarlyStopBenchmark.CURVE_PERCENTILES.length * EarlyStopBenchmark.CONSECUTIVE.length
                * EarlyStopBenchmark.CURVE_FROM.length);
        EarlyStopBenchmark.Scored best = EarlyStopBenchmark.best(sweep);
        assertThat(best.outcome().keepsAllTop()).isTrue();
        assertThat(best.outcome().computeSaved()).isGreaterThan(0); // the 0.1 run is stopped after epoch 1
    }
}
