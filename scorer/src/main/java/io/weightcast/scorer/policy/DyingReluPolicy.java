package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dying ReLU: the worst layer's fraction of units that are dead for every input reaches the threshold
 * ({@code health.dead_fractions}: the weight criterion, or the loop's measurement when it reported
 * one). The second signal beside {@link LearnedDyingReluPolicy}, which shares its alert memory.
 * Raised once per run as a warning, and once more as critical when a layer is entirely dead (the
 * run can no longer learn through it). Measured fractions wobble between epochs, so re-raising on
 * every increase paged ~0.6 times per run on the 300-run demo zoo; two levels say what matters.
 *
 * <p>Once the trainer's classifier is live ({@link LearnedDyingReluPolicy}, which predicts how the run ends), this rule
 * raises only the critical level: a layer half dead now often comes back (8 runs of a zoo made by other code did, and
 * the warning fired on them: DYING_RELU precision 0.46–0.52 against the final outcome, issue 19), one entirely dead
 * rarely does.
 */
public final class DyingReluPolicy implements Policy {
    public static final String FLAG = "dying_relu";
    static final double ENTIRELY_DEAD = 1.0;

    private final double threshold;
    private final java.util.function.BooleanSupplier learnedLive;

    public DyingReluPolicy(double threshold) {
        this(threshold, () -> false);
    }

    /** @param learnedLive whether the learned classifier is live (then only an entirely dead layer raises) */
    public DyingReluPolicy(double threshold, java.util.function.BooleanSupplier learnedLive) {
        this.threshold = threshold;
        this.learnedLive = learnedLive;
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
        if (worst.getValue() < ENTIRELY_DEAD && learnedLive.getAsBoolean()) {
            return new Outcome(run, FLAG, null); // the score says what it sees; the classifier decides the warning
        }
        Double before = run.raisedAt(Alert.DYING_RELU);
        boolean escalates = worst.getValue() >= ENTIRELY_DEAD && (before == null || before < ENTIRELY_DEAD);
        if (before != null && !escalates) {
            return new Outcome(run, FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("signal", "dead_fractions");
        evidence.put("layer", worst.getKey());
        evidence.put("dead_fraction", worst.getValue());
        evidence.put("dead_fractions", health.deadFractions());
        return new Outcome(run.withRaised(Alert.DYING_RELU, worst.getValue()), FLAG,
                checkpoint.alert(Alert.DYING_RELU, worst.getValue() >= ENTIRELY_DEAD ? "critical" : "warning", evidence));
    }
}
