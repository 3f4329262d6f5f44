package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dying ReLU: the worst layer's fraction of units that are dead for every input reaches the threshold.
 * Raised once per run, again only when the worst fraction grows.
 */
public final class DyingReluPolicy implements Policy {
    public static final String FLAG = "dying_relu";

    private final double threshold;

    public DyingReluPolicy(double threshold) {
        this.threshold = threshold;
    }

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        Health health = checkpoint.features().health();
        Map.Entry<String, Double> worst = health == null || health.deadFractions() == null ? null
                : health.deadFractions().entrySet().stream()
                        .filter(e -> e.getValue() != null && Double.isFinite(e.getValue()))
                        .max(Map.Entry.comparingByValue()).orElse(null);
        if (worst == null || worst.getValue() < threshold) {
            return Outcome.quiet(run);
        }
        Double before = run.raisedAt(Alert.DYING_RELU);
        if (before != null && worst.getValue() <= before) {
            return new Outcome(run, FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("layer", worst.getKey());
        evidence.put("dead_fraction", worst.getValue());
        evidence.put("dead_fractions", health.deadFractions());
        return new Outcome(run.withRaised(Alert.DYING_RELU, worst.getValue()), FLAG,
                checkpoint.alert(Alert.DYING_RELU, "warning", evidence));
    }
}
