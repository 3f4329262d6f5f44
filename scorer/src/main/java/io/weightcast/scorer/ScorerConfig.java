package io.weightcast.scorer;

import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import io.weightcast.core.records.Alert;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The scoring policies' settings (keys declared in {@link ScorerKeys}).
 *
 * @param earlyStopThreshold     used when the model has no reference for the run's study; null = no decision
 * @param earlyStopRule          {@value #INTERVAL_RULE} or {@value #TOP_RUN_RULE} (see EarlyStopPolicy)
 * @param earlyStopIntervalLevel the interval level the interval rule compares with the reference
 * @param alerts                 the alert kinds raised on the alerts topic ({@code scorer.alerts}); the others' flags still
 *                               mark the scores
 */
public record ScorerConfig(double dyingReluThreshold, Double earlyStopThreshold, int earlyStopConsecutive,
                           double earlyStopMinStepFraction, String earlyStopRule, double earlyStopIntervalLevel,
                           Set<String> alerts) {

    public static final String INTERVAL_RULE = "interval";
    public static final String TOP_RUN_RULE = "top_run";

    public ScorerConfig {
        ScorerKeys.DYING_RELU_THRESHOLD.checked(dyingReluThreshold);
        ScorerKeys.EARLY_STOP_CONSECUTIVE.checked(earlyStopConsecutive);
        ScorerKeys.EARLY_STOP_MIN_STEP_FRACTION.checked(earlyStopMinStepFraction);
        ScorerKeys.EARLY_STOP_RULE.checked(earlyStopRule);
        ScorerKeys.EARLY_STOP_INTERVAL_LEVEL.checked(earlyStopIntervalLevel);
        alerts = Set.copyOf(alerts);
        for (String kind : alerts) {
            if (!ALERT_KINDS.contains(kind)) {
                throw new InvalidSettingException(ScorerKeys.ALERTS.name() + " lists " + kind + ", which is none of " + ALERT_KINDS);
            }
        }
    }

    /** With the default alert kinds. */
    public ScorerConfig(double dyingReluThreshold, Double earlyStopThreshold, int earlyStopConsecutive,
                        double earlyStopMinStepFraction, String earlyStopRule, double earlyStopIntervalLevel) {
        this(dyingReluThreshold, earlyStopThreshold, earlyStopConsecutive, earlyStopMinStepFraction, earlyStopRule,
                earlyStopIntervalLevel, DEFAULT_ALERTS);
    }

    /** With the default rule and interval level. */
    public ScorerConfig(double dyingReluThreshold, Double earlyStopThreshold, int earlyStopConsecutive,
                        double earlyStopMinStepFraction) {
        this(dyingReluThreshold, earlyStopThreshold, earlyStopConsecutive, earlyStopMinStepFraction, DEFAULT_EARLY_STOP_RULE,
                ScorerKeys.EARLY_STOP_INTERVAL_LEVEL.defaultValue());
    }

    /**
     * The default early-stop rule: the top-run classifier rule where the model has one (it saved the most compute
     * while keeping the top runs in the benchmark; the measurements are in docs/design-notes.md, "Scorer"), else the
     * interval rule. Set {@value #INTERVAL_RULE} for the steadier rule.
     */
    public static final String DEFAULT_EARLY_STOP_RULE = TOP_RUN_RULE;

    public static final List<String> ALERT_KINDS = List.of(Alert.EARLY_STOP_CANDIDATE, Alert.DYING_RELU, Alert.NONFINITE_WEIGHTS,
            Alert.SPECTRAL_COLLAPSE);
    /**
     * The alert kinds raised by default: an alert must earn its place (precision >= 0.8 on the outcome it names, and
     * flagging at most that outcome's base rate + 10 points of runs). SPECTRAL_COLLAPSE does not (docs/design-notes.md,
     * "Scorer"); it stays a score flag ({@code spectral_collapse}); add it to {@code scorer.alerts} to raise it.
     */
    public static final Set<String> DEFAULT_ALERTS = Set.of(Alert.EARLY_STOP_CANDIDATE, Alert.DYING_RELU, Alert.NONFINITE_WEIGHTS);

    public static ScorerConfig defaults() {
        return from(Settings.of(java.util.Map.of()));
    }

    public static ScorerConfig from(Settings s) {
        return new ScorerConfig(s.get(ScorerKeys.DYING_RELU_THRESHOLD), s.get(ScorerKeys.EARLY_STOP_THRESHOLD),
                s.get(ScorerKeys.EARLY_STOP_CONSECUTIVE), s.get(ScorerKeys.EARLY_STOP_MIN_STEP_FRACTION), s.get(ScorerKeys.EARLY_STOP_RULE),
                s.get(ScorerKeys.EARLY_STOP_INTERVAL_LEVEL), alertKinds(s.get(ScorerKeys.ALERTS)));
    }

    /** A comma-separated list of alert kinds (case-insensitive; empty: none). */
    static Set<String> alertKinds(String list) {
        Set<String> kinds = new LinkedHashSet<>();
        for (String k : list.split(",")) {
            if (!k.isBlank()) {
                kinds.add(k.strip().toUpperCase(Locale.ROOT));
            }
        }
        return kinds;
    }
}
