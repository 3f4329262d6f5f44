package io.weightcast.core.features;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.LinkedHashMap;
import java.util.Map;

/** One whole checkpoint → its {@link FeatureVector} (what the streams service emits per checkpoint). */
public final class FeatureExtractor {
    /** Metric-key prefix under which a training loop reports the measured dead fraction of a layer. */
    public static final String REPORTED_DEAD_FRACTION = "dead_fraction/";

    private FeatureExtractor() {
    }

    /**
     * Per layer, the larger of the weight criterion (design §5: sufficient, so it under-counts) and
     * the fraction the loop measured on data ({@code dead_fraction/<layer>} in its metrics), so a
     * dying-ReLU verdict uses the strongest evidence at hand.
     */
    static Map<String, Double> deadFractions(CheckpointFeatures f, Map<String, Double> metrics) {
        Map<String, Double> dead = new LinkedHashMap<>(f.deadFractions());
        if (metrics != null) {
            metrics.forEach((key, value) -> {
                if (key.startsWith(REPORTED_DEAD_FRACTION) && value != null && Double.isFinite(value)) {
                    dead.merge(key.substring(REPORTED_DEAD_FRACTION.length()), value, Math::max);
                }
            });
        }
        return dead;
    }

    public static FeatureVector extract(SafeTensors file, CheckpointMetadata meta, long checkpointTimestamp) {
        CheckpointFeatures f = CheckpointAnalyzer.analyze(file, meta.activation());
        double[] values = FeatureLayout.vector(f, meta.step(), meta.plannedSteps(), meta.metrics());
        Health health = new Health(f.nonfiniteValues(), f.nonfiniteTensors(), deadFractions(f, meta.metrics()));
        return new FeatureVector(meta.runId(), meta.step(), meta.plannedSteps(), meta.study(), meta.activation(),
                FeatureLayout.VERSION, values, health, checkpointTimestamp, System.currentTimeMillis());
    }
}
