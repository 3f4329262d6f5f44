package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.scorer.DyingReluClassifier;
import io.weightcast.scorer.RunState;
import io.weightcast.scorer.ScorerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * All policies in order. A finished run gets no EARLY_STOP_CANDIDATE (nothing left to stop), but its
 * weight-health alerts still go out: the features path may lag the runs topic (a busy streams
 * service, large checkpoints), so a run's last checkpoints are often scored after it finished, and a
 * NaN or a collapse there is still news about that run.
 */
public final class Policies {
    private final List<Policy> policies;
    private final Set<String> alerts;

    /** Raising every kind of alert. */
    public Policies(List<Policy> policies) {
        this(policies, Set.copyOf(ScorerConfig.ALERT_KINDS));
    }

    /** @param alerts the kinds raised on the alerts topic; the policies of the others still flag the scores */
    public Policies(List<Policy> policies, Set<String> alerts) {
        this.policies = List.copyOf(policies);
        this.alerts = Set.copyOf(alerts);
    }

    /** Whether alerts of this kind are raised (ScorerConfig#alerts). */
    public boolean raises(String kind) {
        return alerts.contains(kind);
    }

    public static Policies from(ScorerConfig config) {
        return from(config, new DyingReluClassifier());
    }

    /** With the live dying-ReLU classifier (first signal; the weight-criterion rule is the second). */
    public static Policies from(ScorerConfig config, DyingReluClassifier dyingRelu) {
        return new Policies(List.of(
                new NonfiniteWeightsPolicy(),
                new LearnedDyingReluPolicy(dyingRelu),
                new DyingReluPolicy(config.dyingReluThreshold(), () -> dyingRelu.currentVersion() != null),
                new SpectralCollapsePolicy(),
                new EarlyStopPolicy(config.earlyStopConsecutive(), config.earlyStopMinStepFraction(), config.earlyStopThreshold(),
                        ScorerConfig.TOP_RUN_RULE.equals(config.earlyStopRule()), config.earlyStopIntervalLevel())), config.alerts());
    }

    /** The policies' verdict on one checkpoint: the run's new state, the score's flags and the alerts to raise. */
    /** The spectral-collapse policy, for spectra that arrive apart from the features (the spectra topic). */
    public SpectralCollapsePolicy spectral() {
        return policies.stream().filter(SpectralCollapsePolicy.class::isInstance).map(SpectralCollapsePolicy.class::cast)
                .findFirst().orElseGet(SpectralCollapsePolicy::new);
    }

    public record Judgement(RunState run, List<String> flags, List<Alert> alerts) {
    }

    public Judgement apply(Checkpoint checkpoint, RunState run) {
        RunState state = run;
        List<String> flags = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        for (Policy policy : policies) {
            Outcome o = policy.apply(checkpoint, state);
            state = o.run();
            if (o.flag() != null && !flags.contains(o.flag())) { // two dying-ReLU signals, one flag
                flags.add(o.flag());
            }
            if (o.alert() != null && raises(o.alert().kind()) && !(run.finished() && Alert.EARLY_STOP_CANDIDATE.equals(o.alert().kind()))) {
                alerts.add(o.alert());
            }
        }
        return new Judgement(state, List.copyOf(flags), List.copyOf(alerts));
    }
}
