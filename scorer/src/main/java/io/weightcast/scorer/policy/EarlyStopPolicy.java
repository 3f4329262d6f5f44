package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import io.weightcast.scorer.Prediction;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early-stop candidate (design §6, issue 6 §4). Two rules, both benchmarked against Optuna's pruners
 * in eval/results/predict.md:
 * <ul>
 * <li><b>interval rule</b> ({@code scorer.early.stop.rule=interval}, and the fallback of the default): the upper end of the run's interval (level
 * {@code intervalLevel}; the 80% interval when the model has no such level) is below its study's
 * reference final accuracy on {@code consecutive} checkpoints in a row. The reference is the model's
 * {@code study_references[study]}, else the user threshold.</li>
 * <li><b>top-run rule</b> ({@code scorer.early.stop.rule=top_run}, the default, for a model with a
 * {@code top_run_rule}, core {@code TopRunModel}; others fall back to the interval rule): the run's
 * P(finishes near the top of its study) is below the rule's threshold for its stage of training on the
 * rule's {@code consecutive} stages of training in a row; for a rule with a guard ({@link TopRunRule#guarded()}), only
 * checkpoints whose interval at the rule's guard level also ends below the study's label cut count. Stages, not
 * checkpoints: the rule was calibrated on a history with one checkpoint per stage, and a run checkpointed ten times
 * per epoch would otherwise be stopped after a tenth of the training its "2 in a row" was calibrated to wait
 * (a late bloomer rises between epochs, not between batches). More checkpoints of one stage count once.</li>
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
    private final boolean topRunRule;
    private final double intervalLevel;

    public EarlyStopPolicy(int consecutive, double minStepFraction, Double userThreshold, boolean topRunRule,
                           double intervalLevel) {
        this.consecutive = consecutive;
        this.minStepFraction = minStepFraction;
        this.userThreshold = userThreshold;
        this.topRunRule = topRunRule;
        this.intervalLevel = intervalLevel;
    }

    /** The interval rule on the 80% interval. */
    public EarlyStopPolicy(int consecutive, double minStepFraction, Double userThreshold) {
        this(consecutive, minStepFraction, userThreshold, false, Prediction.INTERVAL_LEVEL);
    }

    /** The model's top-run rule when this policy uses it and the model has one, else null. */
    private TopRunRule rule(ModelVersion model) {
        return topRunRule && userThreshold == null && model != null ? model.topRunRule() : null;
    }

    /** The interval of the configured level, else the 80% one. */
    private Interval interval(Prediction p) {
        Interval i = level(p, intervalLevel);
        return i != null ? i : p.interval();
    }

    /** The prediction's interval at {@code level}, or null. */
    private static Interval level(Prediction p, double level) {
        return p.intervals().stream().filter(i -> Math.abs(i.level() - level) < 1e-9).findFirst().orElse(null);
    }

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        if (checkpoint.step() <= run.lastJudgedStep()) {
            // A replayed or late checkpoint: judged already (or superseded), so the streak stands.
            TopRunRule rule = rule(checkpoint.prediction().model());
            return new Outcome(run, run.lowStreak() >= (rule != null ? rule.consecutive() : consecutive) ? FLAG : null, null);
        }
        Prediction p = checkpoint.prediction();
        TopRunRule rule = rule(p.model());
        Map<String, Object> evidence = new LinkedHashMap<>();
        boolean below;
        int needed;
        Integer stage = null;
        if (rule != null) {
            Double fraction = checkpoint.stepFraction();
            Interval guard = rule.guarded() ? level(p, rule.guardLevel()) : null;
            Double cut = rule.guarded() ? rule.labelCut(checkpoint.study()) : null;
            Boolean verdict = fromMinStep(checkpoint)
                    ? rule.below(p.topRun(), fraction, guard == null ? null : guard.high(), p.value(), checkpoint.study()) : null;
            boolean judged = verdict != null;
            double threshold = judged ? rule.threshold(fraction) : Double.NaN;
            below = judged && verdict;
            stage = judged ? rule.stage(fraction) : null;
            needed = rule.consecutive();
            evidence.put("signal", "top_run");
            evidence.put("top_run_probability", p.topRun());
            evidence.put("threshold", threshold);
            evidence.put("stage", judged ? rule.stage(fraction) + 1 : null);
            evidence.put("stages", rule.thresholds().size());
            evidence.put("meaning", "P(the run finishes at or above its study's " + rule.labelPercentile()
                    + " percentile) is below what runs that finished at or above the " + rule.referencePercentile()
                    + " percentile scored at this stage" + (rule.marginGuard() ? ", and its predicted final accuracy is further below"
                    + " its study's " + rule.cutPercentile() + " percentile than all but " + Math.round(100 * (1 - rule.guardLevel()))
                    + "% of the runs that finished there were predicted at this stage"
                    : rule.guarded() ? ", and the upper end of its " + rule.guardLevel()
                    + " interval is below its study's " + rule.cutPercentile() + " percentile final accuracy" : ""));
            if (rule.marginGuard()) {
                evidence.put("guard_level", rule.guardLevel());
                evidence.put("predicted", p.value());
                evidence.put("guard_margin", judged ? rule.guardMargin(fraction) : null);
                evidence.put("label_cut", cut);
                evidence.put("stop_share", rule.alpha());
            } else if (rule.guarded()) {
                evidence.put("interval_level", rule.guardLevel());
                evidence.put("upper", guard == null ? null : guard.high());
                evidence.put("label_cut", cut);
                evidence.put("stop_share", rule.alpha());
            }
        } else {
            Double reference = reference(p.model(), checkpoint.study());
            Interval interval = interval(p);
            boolean judged = reference != null && interval != null && fromMinStep(checkpoint);
            below = judged && interval.high() < reference;
            needed = consecutive;
            evidence.put("signal", "interval");
            evidence.put("interval_level", judged ? interval.level() : null);
            evidence.put("upper", judged ? interval.high() : null);
            evidence.put("reference", reference);
        }
        int streak = streakAfter(run, below, stage);
        RunState after = run.withStreak(streak, checkpoint.step(), below ? stage : null);
        if (streak < needed) {
            return Outcome.quiet(after);
        }
        if (after.raisedAt(Alert.EARLY_STOP_CANDIDATE) != null) {
            return new Outcome(after, FLAG, null);
        }
        evidence.put("consecutive", streak);
        evidence.put("consecutive_counts", stage != null ? "stages" : "checkpoints");
        evidence.put("predicted", p.value());
        return new Outcome(after.withRaised(Alert.EARLY_STOP_CANDIDATE, streak), FLAG,
                checkpoint.alert(Alert.EARLY_STOP_CANDIDATE, "info", evidence));
    }

    /** The streak after this checkpoint: 0 unless it counts against the run; one more unless its stage was counted already. */
    private static int streakAfter(RunState run, boolean below, Integer stage) {
        if (!below) {
            return 0;
        }
        boolean stageCounted = stage != null && run.lowStreak() > 0 && stage.equals(run.lowStage());
        return stageCounted ? run.lowStreak() : run.lowStreak() + 1;
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
