package io.weightcast.scorer.policy;

import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Alert;
import io.weightcast.scorer.DyingReluClassifier;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dying ReLU, learned (issue 6 §5): the trainer's classifier says a layer of this ReLU run has at
 * least half of its units dead on real inputs, from the checkpoint's weights alone. Raises DYING_RELU
 * (warning) once per run, evidence {@code signal: "classifier"}; the weight-criterion rule
 * ({@link DyingReluPolicy}) stays as the second signal and still escalates to critical when a layer
 * is entirely dead. Why both: the weight criterion is exact but almost never fires on real nets
 * (0 of 8,820 zoo checkpoints), the classifier fires early and is right 98% of the time
 * (eval/results/predict.md). Quiet for non-ReLU runs (the labels exist only for ReLU) and while no
 * classifier has been published.
 */
public final class LearnedDyingReluPolicy implements Policy {
    /** Below 1.0, so the weight rule still escalates an entirely dead layer to critical. */
    static final double RAISED_MAGNITUDE = 0.5;

    private final DyingReluClassifier classifier;

    public LearnedDyingReluPolicy(DyingReluClassifier classifier) {
        this.classifier = classifier;
    }

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        if (!CheckpointAnalyzer.isRelu(checkpoint.features().activation())) {
            return Outcome.quiet(run);
        }
        DyingReluClassifier.Judged judged = classifier.judge(checkpoint.features());
        if (judged == null || !judged.fires()) {
            return Outcome.quiet(run);
        }
        if (run.raisedAt(Alert.DYING_RELU) != null) {
            return new Outcome(run, DyingReluPolicy.FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("signal", "classifier");
        evidence.put("probability", judged.probability());
        evidence.put("decision_probability", judged.alertProbability());
        evidence.put("classifier_version", judged.version());
        evidence.put("meaning", "P(the run ends with some layer >= " + DyingReluModel.DEAD_FRACTION + " dead on real inputs)");
        return new Outcome(run.withRaised(Alert.DYING_RELU, RAISED_MAGNITUDE), DyingReluPolicy.FLAG,
                checkpoint.alert(Alert.DYING_RELU, "warning", evidence));
    }
}
