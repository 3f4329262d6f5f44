package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early-stop candidate (design §6): the upper end of the run's 80% interval is below its study's
 * reference final accuracy on {@code consecutive} checkpoints in a row, counted only from
 * {@code minStepFraction} of the planned steps. The reference is the model's
 * {@code study_references[study]}, else the user threshold, else there is no decision (and the streak
 * restarts: a checkpoint that could not be judged breaks "consecutive"). Raised once per run.
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
            return new Outcome(run, run.lowStreak() >= consecutive ? FLAG : null, null);
        }
        Prediction p = checkpoint.prediction();
        Double reference = reference(p.model(), checkpoint.study());
        boolean judged = reference != null && p.interval() != null && fromMinStep(checkpoint);
        int streak = judged && p.interval().high() < reference ? run.lowStreak() + 1 : 0;
        RunState after = run.withStreak(streak, checkpoint.step());
        if (streak < consecutive) {
            return Outcome.quiet(after);
        }
        if (after.raisedAt(Alert.EARLY_STOP_CANDIDATE) != null) {
            return new Outcome(after, FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("upper", p.interval().high());
        evidence.put("reference", reference);
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
