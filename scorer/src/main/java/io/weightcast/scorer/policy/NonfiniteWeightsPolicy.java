package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NaN or infinite weights: the run is broken. Critical; raised once per run, again only if more values
 * turn non-finite (a diverged net stays NaN on every later checkpoint, one alert says it).
 */
public final class NonfiniteWeightsPolicy implements Policy {
    public static final String FLAG = "nonfinite_weights";

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        Health health = checkpoint.features().health();
        long count = health == null ? 0 : health.nonfiniteValues();
        if (count <= 0) {
            return Outcome.quiet(run);
        }
        Double before = run.raisedAt(Alert.NONFINITE_WEIGHTS);
        if (before != null && count <= before) {
            return new Outcome(run, FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("nonfinite_values", count);
        evidence.put("tensors", health.nonfiniteTensors() == null ? List.of() : health.nonfiniteTensors());
        return new Outcome(run.withRaised(Alert.NONFINITE_WEIGHTS, count), FLAG,
                checkpoint.alert(Alert.NONFINITE_WEIGHTS, "critical", evidence));
    }
}
