package io.weightcast.scorer.policy;

import static io.weightcast.scorer.policy.PolicyFixtures.checkpoint;
import static io.weightcast.scorer.policy.PolicyFixtures.healthy;
import static io.weightcast.scorer.policy.PolicyFixtures.model;
import static io.weightcast.scorer.policy.PolicyFixtures.predicted;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EarlyStopPolicyTest {
    private final ModelVersion withReference = model(4, Map.of("digits", 0.8));

    /** Runs the policy over predictions at steps 1..n; returns the outcomes. */
    private static List<Outcome> run(EarlyStopPolicy policy, Integer planned, String study, List<Prediction> predictions) {
        List<Outcome> out = new ArrayList<>();
        RunState state = RunState.empty();
        for (int i = 0; i < predictions.size(); i++) {
            Outcome o = policy.apply(checkpoint(i + 1, planned, study, healthy(), predictions.get(i)), state);
            out.add(o);
            state = o.run();
        }
        return out;
    }

    @Test
    void raisedOnceAfterKConsecutiveCheckpointsBelowTheStudyReference() {
        EarlyStopPolicy policy = new EarlyStopPolicy(3, 0.0, null);
        Prediction low = predicted(0.5, 0.1, withReference); // upper 0.6 < 0.8
        List<Outcome> o = run(policy, 18, "digits", List.of(low, low, low, low));

        assertThat(o).extracting(Outcome::flag).containsExactly(null, null, "early_stop_candidate", "early_stop_candidate");
        assertThat(o.get(2).alert()).isNotNull();
        assertThat(o.get(3).alert()).as("once per run").isNull();
        Alert a = o.get(2).alert();
        assertThat(a.kind()).isEqualTo(Alert.EARLY_STOP_CANDIDATE);
        assertThat(a.severity()).isEqualTo("info");
        assertThat(a.modelVersion()).isEqualTo(4);
        assertThat(a.evidence()).containsEntry("upper", 0.6).containsEntry("reference", 0.8)
                .containsEntry("consecutive", 3).containsEntry("predicted", 0.5);
    }

    @Test
    void withATopRunRuleTheRunIsJudgedByItsProbabilityAgainstTheThresholdOfItsStage() {
        // 3 stages of a 6-step run: thresholds 0.10 (steps 1-2), 0.30 (3-4), 0.50 (5-6); one checkpoint below is enough
        TopRunRule rule = new TopRunRule(0.9, 0.95, 0.0, 1, List.of(0.10, 0.30, 0.50), "unused", 12);
        ModelVersion m = withReference.withTopRunRule(rule);
        EarlyStopPolicy policy = new EarlyStopPolicy(3, 0.0, null, true, 0.8);
        // interval far below the reference at every step: the interval rule would fire; the top-run rule decides instead
        List<Outcome> o = run(policy, 6, "digits", List.of(top(0.2, m), top(0.2, m), top(0.25, m), top(0.6, m)));
        assertThat(o).extracting(Outcome::flag).as("flagged while below").containsExactly(null, null, "early_stop_candidate", null);
        Alert a = o.get(2).alert();
        assertThat(a).isNotNull();
        assertThat(a.evidence()).containsEntry("signal", "top_run").containsEntry("top_run_probability", 0.25)
                .containsEntry("threshold", 0.30).containsEntry("stage", 2).containsEntry("stages", 3);
        assertThat(o.get(3).alert()).as("once per run").isNull();

        // the same run above every threshold is never a candidate, whatever the interval says
        assertThat(run(policy, 6, "digits", List.of(top(0.2, m), top(0.2, m), top(0.35, m), top(0.35, m), top(0.55, m))))
                .allSatisfy(x -> assertThat(x.alert()).isNull());
        // without planned steps the stage is unknown: no decision
        assertThat(run(policy, null, "digits", List.of(top(0.0, m), top(0.0, m)))).allSatisfy(x -> assertThat(x.alert()).isNull());
        // a user threshold, or the interval-rule constructor, selects the interval rule
        EarlyStopPolicy user = new EarlyStopPolicy(1, 0.0, 0.9, true, 0.8);
        assertThat(run(user, 6, "digits", List.of(top(0.9, m))).get(0).alert().evidence()).containsEntry("signal", "interval");
        assertThat(run(new EarlyStopPolicy(1, 0.0, null), 6, "digits", List.of(top(0.9, m))).get(0).alert().evidence())
                .containsEntry("signal", "interval");
    }

    @Test
    void underTheTopRunRuleAStreakCountsStagesOfTrainingNotCheckpoints() {
        // 3 stages of a 12-step run checkpointed every step (4 checkpoints per stage); 2 stages in a row needed
        TopRunRule rule = new TopRunRule(0.9, 0.95, 0.0, 2, List.of(0.5, 0.5, 0.5), "unused", 12);
        ModelVersion m = withReference.withTopRunRule(rule);
        EarlyStopPolicy policy = new EarlyStopPolicy(1, 0.0, null, true, 0.8);
        List<Prediction> low = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            low.add(top(0.1, m));
        }
        List<Outcome> o = run(policy, 12, "digits", low);
        // steps 1-4 are stage 1: however many, they count once; step 5 opens stage 2, the second in a row
        assertThat(o).extracting(x -> x.alert() != null).containsExactly(false, false, false, false, true, false, false, false,
                false, false, false, false);
        assertThat(o.get(3).run().lowStreak()).isEqualTo(1);
        assertThat(o.get(4).alert().evidence()).containsEntry("consecutive", 2).containsEntry("consecutive_counts", "stages")
                .containsEntry("stage", 2);

        // a checkpoint above the threshold inside stage 2 restarts the count: stage 2's later checkpoints count once again
        List<Prediction> broken = new ArrayList<>(low);
        broken.set(4, top(0.9, m));
        List<Outcome> b = run(policy, 12, "digits", broken);
        assertThat(b.subList(0, 8)).allSatisfy(x -> assertThat(x.alert()).isNull());
        assertThat(b.get(8).alert()).as("stage 3 is the second stage in a row after the restart").isNotNull();
    }

    @Test
    void theScorersDefaultsJudgeByTheTopRunRuleAndFallBackToTheIntervalRuleWithoutOne() {
        io.weightcast.scorer.ScorerConfig defaults = io.weightcast.scorer.ScorerConfig.defaults();
        assertThat(defaults.earlyStopRule()).isEqualTo(io.weightcast.scorer.ScorerConfig.TOP_RUN_RULE);
        Policies policies = Policies.from(defaults);
        ModelVersion withRule = withReference.withTopRunRule(new TopRunRule(0.9, 0.8, 0.3, 1, List.of(0.5, 0.5), "unused", 12));
        // interval [0.25, 0.35] far below the 0.8 reference either way; the rule's probability decides where there is one
        Alert byRule = policies.apply(checkpoint(1, 6, "digits", healthy(), top(0.2, withRule)), RunState.empty()).alerts().get(0);
        assertThat(byRule.evidence()).containsEntry("signal", "top_run");
        assertThat(policies.apply(checkpoint(1, 6, "digits", healthy(), top(0.7, withRule)), RunState.empty()).alerts()).isEmpty();
        Alert fallback = policies.apply(checkpoint(1, 6, "digits", healthy(), top(0.7, withReference)), RunState.empty()).alerts().get(0);
        assertThat(fallback.evidence()).containsEntry("signal", "interval");
    }

    @Test
    void theIntervalRuleComparesTheConfiguredLevelsUpperEnd() {
        // 80%: [0.55, 0.65]; 90%: [0.50, 0.82]: only the 90% upper end reaches the 0.8 reference
        Interval i80 = new Interval(0.8, 0.55, 0.65);
        Interval i90 = new Interval(0.9, 0.50, 0.82);
        Prediction p = new Prediction(0.6, i80, List.of(i80, i90), withReference, null);
        assertThat(run(new EarlyStopPolicy(1, 0.0, null, false, 0.8), 18, "digits", List.of(p)).get(0).alert()).isNotNull();
        assertThat(run(new EarlyStopPolicy(1, 0.0, null, false, 0.9), 18, "digits", List.of(p)).get(0).alert()).isNull();
        // a level the model lacks: the 80% interval
        Alert a = run(new EarlyStopPolicy(1, 0.0, null, false, 0.99), 18, "digits", List.of(p)).get(0).alert();
        assertThat(a.evidence()).containsEntry("interval_level", 0.8).containsEntry("upper", 0.65);
    }

    @Test
    void aGuardedRuleStopsOnlyWhenTheIntervalAlsoEndsBelowTheStudysLabelCut() {
        // one stage, threshold 0.3; label cuts: digits 0.9, any other study 0.6; guard on the 80% interval
        TopRunRule rule = new TopRunRule(0.9, 0.8, 0.25, 1, List.of(0.3), "unused", 12,
                Map.of("digits", 0.9, TopRunRule.ALL_STUDIES, 0.6), 0.8, 0, List.of());
        ModelVersion m = withReference.withTopRunRule(rule);
        EarlyStopPolicy policy = new EarlyStopPolicy(1, 0.0, null, true, 0.9);
        // P(top) 0.1 is below 0.3; the 80% interval [0.80, 0.95] still reaches the 0.9 cut: a late bloomer, kept
        Prediction blooming = withTop(predicted(0.875, 0.075, m), 0.1);
        assertThat(run(policy, 6, "digits", List.of(blooming, blooming))).allSatisfy(x -> assertThat(x.alert()).isNull());
        // [0.70, 0.85] ends below 0.9: both agree, stopped, with the guard's numbers as evidence
        Alert a = run(policy, 6, "digits", List.of(withTop(predicted(0.775, 0.075, m), 0.1))).get(0).alert();
        assertThat(a.evidence()).containsEntry("signal", "top_run").containsEntry("interval_level", 0.8)
                .containsEntry("upper", 0.85).containsEntry("label_cut", 0.9);
        // a study the model has no cut for is judged against the cut over every zoo run (0.6): 0.85 reaches it
        assertThat(run(policy, 6, "new-study", List.of(withTop(predicted(0.775, 0.075, m), 0.1))).get(0).alert()).isNull();
        // the classifier alone (no guard) stops the late bloomer
        ModelVersion unguarded = withReference.withTopRunRule(new TopRunRule(0.9, 0.8, 0.25, 1, List.of(0.3), "unused", 12));
        assertThat(run(policy, 6, "digits", List.of(withTop(predicted(0.875, 0.075, unguarded), 0.1))).get(0).alert()).isNotNull();
    }

    @Test
    void aGuardCalibratedOnTopRunsComparesThePredictionPlusTheStagesMargin() {
        // two stages, threshold 0.3; digits cut 0.9; margins: 0.2 in the first half of training, 1 (no stop) in the second
        TopRunRule rule = new TopRunRule(0.9, 0.8, 0.25, 1, List.of(0.3, 0.3), "unused", 12,
                Map.of("digits", 0.9, TopRunRule.ALL_STUDIES, 0.6), 0.95, 0.9, List.of(0.2, 1.0));
        ModelVersion m = withReference.withTopRunRule(rule);
        EarlyStopPolicy policy = new EarlyStopPolicy(1, 0.0, null, true, 0.9);
        // 0.75 + 0.2 reaches 0.9: top runs were predicted that far below the cut at this stage, kept
        assertThat(run(policy, 6, "digits", List.of(withTop(predicted(0.75, 0.01, m), 0.1))).get(0).alert()).isNull();
        // 0.65 + 0.2 is below: stopped, with the margin as evidence (the narrow interval plays no part)
        Alert a = run(policy, 6, "digits", List.of(withTop(predicted(0.65, 0.3, m), 0.1))).get(0).alert();
        assertThat(a.evidence()).containsEntry("guard_level", 0.95).containsEntry("predicted", 0.65)
                .containsEntry("guard_margin", 0.2).containsEntry("label_cut", 0.9);
        // past half of training (margin 1) nothing counts, however low
        List<Prediction> low = List.of(withTop(predicted(0.75, 0.01, m), 0.1), withTop(predicted(0.75, 0.01, m), 0.1),
                withTop(predicted(0.75, 0.01, m), 0.1), withTop(predicted(0.1, 0.01, m), 0.01));
        assertThat(run(policy, 4, "digits", low).get(3).alert()).isNull();
    }

    private static Prediction withTop(Prediction p, double probability) {
        return new Prediction(p.value(), p.interval(), p.intervals(), p.model(), null, probability);
    }

    private static Prediction top(double probability, ModelVersion m) {
        Prediction p = predicted(0.3, 0.05, m);
        return new Prediction(p.value(), p.interval(), p.intervals(), m, null, probability);
    }

    @Test
    void aCheckpointAtOrAboveTheReferenceRestartsTheCount() {
        EarlyStopPolicy policy = new EarlyStopPolicy(2, 0.0, null);
        Prediction low = predicted(0.5, 0.1, withReference);
        Prediction reaching = predicted(0.75, 0.05, withReference); // upper 0.8 is not below 0.8
        List<Outcome> o = run(policy, 18, "digits", List.of(low, reaching, low, reaching));
        assertThat(o).allSatisfy(x -> assertThat(x.alert()).isNull());
        assertThat(o.get(2).run().lowStreak()).isEqualTo(1);
    }

    @Test
    void withoutAStudyReferenceTheUserThresholdDecidesAndWithoutEitherNothingDoes() {
        Prediction low = predicted(0.5, 0.1, withReference);
        assertThat(run(new EarlyStopPolicy(2, 0.0, 0.7), 18, "other-study", List.of(low, low)).get(1).alert())
                .satisfies(a -> assertThat(a.evidence()).containsEntry("reference", 0.7));
        assertThat(run(new EarlyStopPolicy(2, 0.0, null), 18, "other-study", List.of(low, low, low)))
                .allSatisfy(x -> assertThat(x.alert()).isNull());
        assertThat(run(new EarlyStopPolicy(1, 0.0, null), 18, null, List.of(low))).allSatisfy(x -> assertThat(x.alert()).isNull());
    }

    @Test
    void noPredictionMeansNoDecision() {
        List<Outcome> o = run(new EarlyStopPolicy(1, 0.0, 0.99), 18, "digits", List.of(Prediction.none("no model yet")));
        assertThat(o.get(0).alert()).isNull();
        assertThat(o.get(0).run().lowStreak()).isZero();
    }

    @Test
    void countsOnlyFromTheMinimalStepFraction() {
        EarlyStopPolicy policy = new EarlyStopPolicy(2, 0.5, null);
        Prediction low = predicted(0.5, 0.1, withReference);
        List<Outcome> o = run(policy, 8, "digits", List.of(low, low, low, low, low, low));
        // steps 4 and 5 are the first two at ≥ 4/8 of the planned steps
        assertThat(o).extracting(x -> x.alert() != null).containsExactly(false, false, false, false, true, false);
        assertThat(run(policy, null, "digits", List.of(low, low, low))).as("planned steps unknown: no fraction, no decision")
                .allSatisfy(x -> assertThat(x.alert()).isNull());
    }

    @Test
    void aReplayedStepDoesNotCountTwice() {
        EarlyStopPolicy policy = new EarlyStopPolicy(2, 0.0, null);
        Prediction low = predicted(0.5, 0.1, withReference);
        Outcome first = policy.apply(checkpoint(1, 18, "digits", healthy(), low), RunState.empty());
        Outcome replay = policy.apply(checkpoint(1, 18, "digits", healthy(), low), first.run());
        assertThat(replay.alert()).isNull();
        assertThat(replay.run().lowStreak()).isEqualTo(1);
    }
}
