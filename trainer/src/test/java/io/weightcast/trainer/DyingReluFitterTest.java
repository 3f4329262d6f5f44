package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DyingReluFitterTest {
    private final DyingReluFitter fitter = new DyingReluFitter(FitParams.defaults());

    @Test
    void learnsFromTheMeasuredLabelsAndJudgesOnHeldOutRuns() {
        DeadUnitLabels labels = new DeadUnitLabels();
        List<ZooRun> zoo = new DyingReluZoo(1).zoo(60, labels);
        DyingReluFitter.Result fit = fitter.fit(zoo, labels);

        assertThat(fit.fitted()).as(String.valueOf(fit.skipped())).isTrue();
        assertThat(fit.train().rows() + fit.holdoutData().rows()).isEqualTo(60 * DyingReluZoo.STEPS);
        assertThat(fit.holdout().runs()).isEqualTo(fit.holdoutData().runs()).isGreaterThanOrEqualTo(RunSplit.MIN_HOLDOUT);
        assertThat(fit.holdout().checkpoints()).isEqualTo(fit.holdoutData().rows());
        assertThat(fit.holdout().precision()).isGreaterThan(0.9);
        // a checkpoint carries its run's outcome: those of a run before its layer dies look healthy and count as misses
        assertThat(fit.holdout().recall()).isGreaterThan(0.5);
    }

    @Test
    void everyMeasuredCheckpointIsLabelledWithHowItsRunEnded() {
        DeadUnitLabels labels = new DeadUnitLabels();
        DyingReluZoo gen = new DyingReluZoo(9);
        DyingReluZoo.Run recovers = new DyingReluZoo.Run("recovers", 2, 0.8);
        DyingReluZoo.Run dies = new DyingReluZoo.Run("dies", DyingReluZoo.STEPS, 0.2);
        List<ZooRun> runs = new ArrayList<>();
        for (DyingReluZoo.Run r : List.of(recovers, dies)) {
            List<ZooRun.Checkpoint> cps = new ArrayList<>();
            for (long step = 1; step <= DyingReluZoo.STEPS; step++) {
                // "recovers" is half dead at steps 2-3 only; "dies" only at its last step
                boolean deadNow = r == recovers ? step == 2 || step == 3 : r.dying(step);
                labels.add(DyingReluZoo.metrics(new DyingReluZoo.Run(r.runId(), deadNow ? 1 : 0, 0), step), r.runId());
                cps.add(new ZooRun.Checkpoint(step, gen.values(r, step)));
            }
            runs.add(new ZooRun(r.runId(), "s", r.accuracy(), cps));
        }
        DyingReluFitter.Labelled rows = DyingReluFitter.rows(runs, labels);
        assertThat(labels.label("recovers", 2)).isTrue();
        assertThat(labels.finalLabel("recovers")).isFalse();
        assertThat(labels.finalLabel("dies")).isTrue();
        boolean[] expected = new boolean[2 * DyingReluZoo.STEPS];
        java.util.Arrays.fill(expected, DyingReluZoo.STEPS, expected.length, true);
        assertThat(rows.labels()).containsExactly(expected);
    }

    @Test
    void checkpointsWithoutAMeasurementAreNotTrainingRows() {
        DeadUnitLabels labels = new DeadUnitLabels();
        List<ZooRun> zoo = new ArrayList<>(new DyingReluZoo(2).zoo(30, labels));
        DeadUnitLabels none = new DeadUnitLabels();
        zoo.addAll(new DyingReluZoo(3).zoo(10, none).stream()
                .map(r -> new ZooRun("unmeasured-" + r.runId(), r.study(), r.finalAccuracy(), r.checkpoints())).toList());
        DyingReluFitter.Result fit = fitter.fit(zoo, labels);
        assertThat(fit.train().runs() + fit.holdoutData().runs()).isEqualTo(30);
        assertThat(fit.train().rows() + fit.holdoutData().rows()).isEqualTo(30 * DyingReluZoo.STEPS);
    }

    @Test
    void skipsWithTooFewLabelledRunsOrOneClass() {
        DeadUnitLabels labels = new DeadUnitLabels();
        List<ZooRun> zoo = new DyingReluZoo(4).zoo(2, labels);
        assertThat(fitter.fit(zoo, labels).skipped()).contains("a split needs");

        DeadUnitLabels healthy = new DeadUnitLabels();
        List<ZooRun> all = new SyntheticZoo(5).zoo(12, 4);
        for (ZooRun r : all) {
            for (ZooRun.Checkpoint c : r.checkpoints()) {
                healthy.add(DyingReluZoo.metrics(new DyingReluZoo.Run(r.runId(), 0, 0.9), c.step()), r.runId());
            }
        }
        assertThat(fitter.fit(all, healthy).skipped()).contains("one class");
    }

    @Test
    void publishesVersionsInOrderAfterWhatItReplayed() {
        DeadUnitLabels sink = new DeadUnitLabels();
        DyingReluZoo gen = new DyingReluZoo(6);
        List<ZooRun> zoo = gen.zoo(40, sink);
        DyingReluTrainer trainer = new DyingReluTrainer(FitParams.defaults(), new PrometheusRegistry());
        zoo.forEach(r -> r.checkpoints().forEach(c -> trainer.addRunEvent(
                DyingReluZoo.metrics(new DyingReluZoo.Run(r.runId(), sink.label(r.runId(), c.step()) ? 1 : 0, 0), c.step()),
                r.runId())));
        trainer.adopt(ModelVersion.builder().name(DyingReluModel.NAME).version(7).layoutVersion(FeatureLayout.VERSION)
                .featureNames(List.of("old")).modelText("not loadable").build());
        List<ModelVersion> published = new ArrayList<>();

        trainer.refit(zoo, published::add);
        trainer.refit(zoo, published::add); // same data: the candidate ties the current version, which is not worse

        assertThat(published).extracting(ModelVersion::version).containsExactly(8, 9);
        assertThat(published.get(0).name()).isEqualTo(DyingReluModel.NAME);
        assertThat(published.get(0).featureNames()).isEqualTo(DyingReluModel.featureNames());
        assertThat(trainer.current()).isEqualTo(published.get(1));
        assertThat(trainer.fitCount("published")).isEqualTo(2);
        try (DyingReluModel model = DyingReluModel.load(published.get(1))) {
            DyingReluZoo.Run dying = new DyingReluZoo.Run("x", 1, 0.1);
            DyingReluZoo.Run healthy = new DyingReluZoo.Run("y", 0, 0.9);
            assertThat(DyingReluModel.fires(model.probability(gen.values(dying, 3)))).isTrue();
            assertThat(DyingReluModel.fires(model.probability(gen.values(healthy, 3)))).isFalse();
        }
    }
}
