package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish decision with real LightGBM fits: the zoo grows from 20 to 40 runs, the current
 * version was fit on the first 20, the candidate on all 40, and both are judged on the
 * candidate's held-out runs.
 */
class PublishGateTest {
    private static final Logger LOG = LoggerFactory.getLogger(PublishGateTest.class);
    /**
     * The synthetic zoo is drawn from the first seed of 1..{@value} where the 20-run version's own 4
     * held-out runs happen to be easy, so the old comparison of each model's own holdout R² blocks a
     * candidate that is better on the same runs (the gate's verdict; the test recomputes its R² itself) (about one seed in seven; which one depends on the
     * layout's size, so the test scans instead of pinning a seed that a new layout would break).
     */
    private static final long MAX_SEED = 80;
    private static final int EARLY = 20;
    private static final int GROWN = 40;

    private static List<ZooRun> zoo;
    private static FitResult strongOnEarly;
    private static FitResult weakOnEarly;
    private static FitResult strongOnGrown;
    private static FitResult weakOnGrown;

    @BeforeAll
    static void fit() {
        // the gate compares held-out R²: the intervals play no part, so no cross-conformal fits in the seed scan
        AccuracyModelFitter strong = new AccuracyModelFitter(FitParams.defaults().withConformalFolds(0));
        for (long seed = 1; seed <= MAX_SEED && zoo == null; seed++) {
            List<ZooRun> candidate = new SyntheticZoo(seed).zoo(GROWN, SyntheticZoo.STEPS);
            FitResult early = strong.fit(candidate.subList(0, EARLY));
            FitResult grown = strong.fit(candidate);
            if (!grown.holdout().notWorseThan(early.holdout()) && betterOnTheSameRuns(grown, early)) {
                LOG.info("seed {}: own-holdout R² {} (grown) vs {} (early)", seed, grown.holdout().r2(), early.holdout().r2());
                zoo = candidate;
                strongOnEarly = early;
                strongOnGrown = grown;
            }
        }
        assertThat(zoo).as("a seed in 1..%d where the own-holdout comparison blocks the grown model", MAX_SEED).isNotNull();
        // 3 rounds at learning rate 0.05: predictions barely leave the mean, a clearly worse model
        AccuracyModelFitter weak = new AccuracyModelFitter(new FitParams(0.25, 42, 1, 3).withConformalFolds(0));
        weakOnEarly = weak.fit(zoo.subList(0, EARLY));
        weakOnGrown = weak.fit(zoo);
    }

    private static boolean betterOnTheSameRuns(FitResult candidate, FitResult current) {
        try (PublishGate gate = new PublishGate(0.0)) {
            return gate.judge(candidate, version(1, current)).publish();
        }
    }

    private static ModelVersion version(int v, FitResult fit) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(v).layoutVersion(FeatureLayout.VERSION)
                .featureNames(FeatureLayout.names()).modelText(fit.modelText()).trainingRuns(fit.trainingRuns())
                .trainingRows(fit.trainingRows()).holdout(fit.holdout()).residualQuantiles(fit.residualQuantiles()).build();
    }

    private static List<String> ids(List<ZooRun> runs) {
        return runs.stream().map(ZooRun::runId).toList();
    }

    @Test
    void replacesACurrentVersionThatIsClearlyWorseOnTheSameHeldOutRuns() {
        try (PublishGate gate = new PublishGate(0.0)) {
            PublishDecision d = gate.judge(strongOnGrown, version(1, weakOnEarly));

            assertThat(d.publish()).isTrue();
            assertThat(d.currentOnHoldout().runs()).isEqualTo(strongOnGrown.holdout().runs());
            assertThat(d.currentOnHoldout().r2()).isLessThan(strongOnGrown.holdout().r2() - 0.2);
            assertThat(d.reason()).contains("current v1").contains("same " + strongOnGrown.holdout().runs() + " held-out runs");
        }
    }

    @Test
    void rejectsACandidateThatIsWorseOnTheSameHeldOutRunsUnlessWithinTheTolerance() {
        ModelVersion current = version(1, strongOnEarly);
        double candidateR2 = weakOnGrown.holdout().r2();
        double gap;
        try (PublishGate gate = new PublishGate(0.0)) {
            PublishDecision d = gate.judge(weakOnGrown, current);
            assertThat(d.publish()).isFalse();
            gap = d.currentOnHoldout().r2() - candidateR2;
            assertThat(gap).isGreaterThan(0.2);
        }
        try (PublishGate lenient = new PublishGate(gap + 0.01)) {
            assertThat(lenient.judge(weakOnGrown, current).publish()).isTrue();
        }
        try (PublishGate strict = new PublishGate(gap - 0.01)) {
            assertThat(strict.judge(weakOnGrown, current).publish()).isFalse();
        }
    }

    @Test
    void comparesOnTheCandidatesHeldOutRunsWhereOwnHoldoutNumbersWouldHaveBlockedIt() {
        ModelVersion current = version(1, strongOnEarly);
        // the old rule: each model's own holdout R², on different run sets, would reject
        assertThat(strongOnGrown.holdout().notWorseThan(current.holdout()))
                .as("precondition: own-holdout R² %s (candidate) vs %s (current)", strongOnGrown.holdout().r2(), current.holdout().r2())
                .isFalse();

        PublishDecision d;
        try (PublishGate gate = new PublishGate(0.0)) {
            d = gate.judge(strongOnGrown, current);
        }
        LOG.info("old rule: candidate R² {} on its {} held-out runs vs current R² {} on its {}; new rule: {}",
                strongOnGrown.holdout().r2(), strongOnGrown.holdout().runs(), current.holdout().r2(), current.holdout().runs(), d.reason());
        assertThat(d.publish()).isTrue();
        assertThat(d.currentOnHoldout().r2()).isLessThan(strongOnGrown.holdout().r2());

        // the shared runs are the grown zoo's holdout side, which the current version never trained on
        RunSplit split = new RunSplit(0.25, 42);
        List<String> shared = split.split(ids(zoo)).holdout();
        assertThat(strongOnGrown.holdoutRunIds()).containsExactlyInAnyOrderElementsOf(shared);
        assertThat(shared).doesNotContainAnyElementsOf(split.split(ids(zoo.subList(0, EARLY))).train());
        assertThat(shared.size()).isGreaterThan(current.holdout().runs());

        // recomputed independently: the current model's final-checkpoint R² on exactly those runs
        Set<String> sharedSet = Set.copyOf(shared);
        List<Double> y = new ArrayList<>();
        List<Double> p = new ArrayList<>();
        try (AccuracyModel model = AccuracyModel.load(current)) {
            for (ZooRun run : zoo) {
                if (sharedSet.contains(run.runId())) {
                    y.add(run.finalAccuracy());
                    p.add(model.predict(run.last().values()));
                }
            }
        }
        double r2 = RegressionMetrics.r2(y.stream().mapToDouble(Double::doubleValue).toArray(),
                p.stream().mapToDouble(Double::doubleValue).toArray());
        assertThat(d.currentOnHoldout().r2()).isCloseTo(r2, within(1e-9));
        assertThat(d.currentOnHoldout().runs()).isEqualTo(shared.size());
    }

    @Test
    void publishesWithoutAComparableCurrentVersion() {
        ModelVersion v1 = version(1, strongOnEarly);
        ModelVersion otherLayout = ModelVersion.builder().name(v1.name()).version(1)
                .layoutVersion(FeatureLayout.VERSION + 1).featureNames(v1.featureNames()).modelText(v1.modelText())
                .trainingRuns(v1.trainingRuns()).trainingRows(v1.trainingRows()).holdout(v1.holdout())
                .residualQuantiles(v1.residualQuantiles()).build();
        ModelVersion broken = ModelVersion.builder().name(v1.name()).version(1).layoutVersion(FeatureLayout.VERSION)
                .featureNames(v1.featureNames()).modelText("not a LightGBM model").trainingRuns(v1.trainingRuns())
                .trainingRows(v1.trainingRows()).holdout(v1.holdout()).residualQuantiles(v1.residualQuantiles()).build();
        try (PublishGate gate = new PublishGate(0.0)) {
            // even the weak candidate: there is nothing to compare it with
            for (ModelVersion current : new ModelVersion[] {null, otherLayout, broken}) {
                PublishDecision d = gate.judge(weakOnGrown, current);
                assertThat(d.publish()).isTrue();
                assertThat(d.currentOnHoldout()).isNull();
            }
        }
    }

    @Test
    void keepsTheCurrentModelLoadedUntilTheCurrentVersionChanges() {
        ModelVersion v1 = version(1, strongOnEarly);
        ModelVersion v2 = version(2, strongOnGrown);
        try (PublishGate gate = new PublishGate(0.0)) {
            assertThat(gate.loadedVersion()).isNull();
            double first = gate.judge(weakOnGrown, v1).currentOnHoldout().r2();
            assertThat(gate.loadedVersion()).isSameAs(v1);
            assertThat(gate.judge(weakOnGrown, v1).currentOnHoldout().r2()).isEqualTo(first);
            assertThat(gate.loadedVersion()).isSameAs(v1);

            gate.judge(weakOnGrown, v2);
            assertThat(gate.loadedVersion()).isSameAs(v2);
            gate.judge(weakOnGrown, null);
            assertThat(gate.loadedVersion()).isNull();
        }
    }

    @Test
    void rejectsANegativeTolerance() {
        assertThatThrownBy(() -> new PublishGate(-0.1)).hasMessageContaining("tolerance");
    }
}
