package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DyingReluEvalTest {

    private static EvalRun.Epoch epoch(int step, double weightDead, double measuredDead, boolean constant) {
        return new EvalRun.Epoch(step, new double[FeatureLayout.size()], Map.of("conv2", weightDead, "dense", 0.0),
                Map.of("conv1", 0.0, "conv2", measuredDead), constant, 0.5);
    }

    @Test
    void confusionAndLeadOfTheWeightRule() {
        EvalRun collapses = new EvalRun("a", "relu", 0.1, List.of(
                epoch(1, 0.6, 0.7, false),   // flagged, dying: TP
                epoch(2, 0.1, 0.9, false),   // missed: FN
                epoch(3, 0.75, 1.0, true))); // TP; collapses at epoch 3, flag first fired at 1: lead 2
        EvalRun healthy = new EvalRun("b", "relu", 0.9, List.of(
                epoch(1, 0.5, 0.1, false),   // flagged, not dying: FP (the threshold is inclusive)
                epoch(2, 0.0, 0.0, false),   // TN
                epoch(3, 0.0, 0.0, false))); // TN
        DyingReluEval.Flag rule = (run, step) -> DyingReluEval.ruleFlag(run.epoch(step));

        DyingReluEval.Confusion c = DyingReluEval.confusion(List.of(collapses, healthy), rule);
        assertThat(c).isEqualTo(new DyingReluEval.Confusion(2, 1, 1, 2));
        assertThat(c.precision()).isEqualTo(2.0 / 3);
        assertThat(c.recall()).isEqualTo(2.0 / 3);

        DyingReluEval.Lead lead = DyingReluEval.lead(List.of(collapses, healthy), rule);
        assertThat(lead.collapsedRuns()).isEqualTo(1);
        assertThat(lead.mean()).isEqualTo(2.0);
        assertThat(lead.firedBeforeOrAt()).isEqualTo(1);
        assertThat(lead.neverFired()).isZero();
        assertThat(lead.collapsedAtFirstEpoch()).isZero();
    }

    @Test
    void theClassifierIsTheCoreModelFittedOnTrainingRunsAndNeverFiresWhenItCannotBeFitted() {
        int signal = io.weightcast.core.features.FeatureLayout.indexOf("max_bias_min");
        java.util.Random rnd = new java.util.Random(2);
        java.util.function.Function<String, EvalRun> run = id -> {
            boolean dies = id.hashCode() % 2 == 0;
            List<EvalRun.Epoch> epochs = new java.util.ArrayList<>();
            for (int step = 1; step <= 4; step++) {
                boolean dying = dies && step >= 2;
                double[] f = new double[FeatureLayout.size()];
                f[signal] = (dying ? -1 : 1) + 0.2 * rnd.nextGaussian();
                epochs.add(new EvalRun.Epoch(step, f, Map.of("conv2", 0.0), Map.of("conv2", dying ? 0.8 : 0.1), false, 0.5));
            }
            return new EvalRun(id, "relu", 0.5, epochs);
        };
        List<EvalRun> train = java.util.stream.IntStream.range(0, 40).mapToObj(i -> run.apply("t" + i)).toList();
        List<EvalRun> test = java.util.stream.IntStream.range(0, 10).mapToObj(i -> run.apply("h" + i)).toList();
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        DyingReluEval.Flag learned = DyingReluEval.classifier(train, test, 1, 1, out);
        DyingReluEval.Confusion c = DyingReluEval.confusion(test, learned);
        assertThat(c.tp() + c.fn()).isPositive();
        assertThat(c.precision()).isEqualTo(1.0);
        assertThat(c.recall()).isEqualTo(1.0);
        assertThat(out).containsEntry("training_checkpoints", 160).doesNotContainKey("note");

        List<EvalRun> healthy = train.stream().map(r -> new EvalRun(r.runId(), "relu", 0.5, r.epochs().stream()
                .map(e -> new EvalRun.Epoch(e.step(), e.features(), e.weightDead(), Map.of("conv2", 0.0), false, 0.5))
                .toList())).toList();
        Map<String, Object> none = new java.util.LinkedHashMap<>();
        DyingReluEval.Flag never = DyingReluEval.classifier(healthy, test, 1, 1, none);
        assertThat(DyingReluEval.confusion(test, never).tp() + DyingReluEval.confusion(test, never).fp()).isZero();
        assertThat(none).containsKey("note");
    }

    @Test
    void nothingFlaggedHasNoPrecision() {
        DyingReluEval.Confusion c = new DyingReluEval.Confusion(0, 0, 5, 5);
        assertThat(c.precision()).isNaN();
        assertThat(c.recall()).isZero();
        assertThat(DyingReluEval.median(new double[] {3, 1, 2, 10})).isEqualTo(2.5);
    }
}
