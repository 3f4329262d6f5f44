package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early-stop candidate (design §6, issue 6 §4). Two rules, by what the model carries:
 * <ul>
 * <li><b>top-run rule</b> (a model with {@code top_run_rule}, core {@code TopRunModel}): the run's
 * P(finishes near the top of its study) is below the rule's threshold for its stage of training on the
 * rule's {@code consecutive} checkpoints in a row. Benchmarked against Optuna's pruners and the
 * interval rule in eval/results/predict.md, where it saved the most epochs keeping every top-5% run.</li>
 * <li><b>interval rule</b> (fallback: a model without one, e.g. from a zoo too small to calibrate it,
 * or a user threshold): the upper end of the run's 80% interval is below its study's reference final
 * accuracy on {@code consecutive} checkpoints in a row. The reference is the model's
 * {@code study_references[study]}, else the user threshold.</li>
 * </ul>
 * Both count only from {@code minStepFraction} of the planned steps; a checkpoint that cannot be judged
 * (no reference, no interval, unknown stage) breaks "consecutive". A user threshold
 * ({@code scorer.early.stop.threshold}) always selects the interval rule. Raised once per run.
 */
public final class EarlyStopPolicy implements Policy {
    public static final String FLAG = "early_stop_candidate";

    private final int consecutive;
    private final double minStepFraction;
    private final Double userThreshold;

    public EarlyStopPolicy(int consecutive, double minStepFraction, Double userThreshold) {
        this.consecutive = consecutive;
        this.minStepFraction = minStepFraction;
        this.userThreshold = userThreshold;
    }

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        if (checkpoint.step() <= run.lastJudgedStep()) {
            // A replayed or late checkpoint: judged already (or superseded), so the streak stands.
            TopRunRule rule = userThreshold == null && checkpoint.prediction().model() != null
                    ? checkpoint.prediction().model().topRunRule() : null;
            return new Outcome(run, run.lowStreak() >= (rule != null ? rule.consecutive() : consecutive) ? FLAG : null, null);
        }
        Prediction p = checkpoint.prediction();
        TopRunRule rule = userThreshold == null && p.model() != null ? p.model().topRunRule() : null;
        Map<String, Object> evidence = new LinkedHashMap<>();
        boolean below;
        int needed;
        if (rule != null) {
            Double fraction = checkpoint.stepFraction();
            boolean judged = p.topRun() != null && fraction != null && fromMinStep(checkpoint);
            double threshold = judged ? rule.threshold(fraction) : Double.NaN;
            below = judged && p.topRun() < threshold;
            needed = rule.consecutive();
            evidence.put("signal", "top_run");
            evidence.put("top_run_probability", p.topRun());
            evidence.put("threshold", threshold);
            evidence.put("stage", judged ? rule.stage(fraction) + 1 : null);
            evidence.put("stages", rule.thresholds().size());
            evidence.put("meaning", "P(the run finishes at or above its study's " + rule.labelPercentile()
                    + " percentile) is below what runs that finished at or above the " + rule.referencePercentile()
                    + " percentile scored at this stage");
        } else {
            Double reference = reference(p.model(), checkpoint.study());
            boolean judged = reference != null && p.interval() != null && fromMinStep(checkpoint);
            below = judged && p.interval().high() < reference;
            needed = consecutive;
            evidence.put("signal", "interval");
            evidence.put("upper", judged ? p.interval().high() : null);
            evidence.put("reference", reference);
        }
        int streak = below ? run.lowStreak() + 1 : 0;
        RunState after = run.withStreak(streak, checkpoint.step());
        if (streak < needed) {
            return Outcome.quiet(after);
        }
        if (after.raisedAt(Alert.EARLY_STOP_CANDIDATE) != null) {
            return new Outcome(after, FLAG, null);
        }
        evidence.put("consecutive", streak);
        evidence.put("predicted", p.value());
        return new Outcome(after.withRaised(Alert.EARLY_STOP_CANDIDATE, streak), FLAG,
                checkpoint.alert(Alert.EARLY_STOP_CANDIDATE, "info", evidence));
    }

    private Double reference(ModelVersion model, String study) {
        if (model != null && study != null && model.studyReferences() != null) {
            Double r = model.studyReferences().get(study);
            if (r != null && Double.isFinite(r)) {
                return r;
            }
        }
        return userThreshold;
    }

    private boolean fromMinStep(Checkpoint checkpoint) {
        if (minStepFraction <= 0) {
            return true;
        }
        Double fraction = checkpoint.stepFraction();
        return fraction != null && fraction >= minStepFraction;
    }
}
