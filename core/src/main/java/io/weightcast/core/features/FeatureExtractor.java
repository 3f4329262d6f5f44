package io.weightcast.core.features;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.safetensors.SafeTensors;

/** One whole checkpoint → its {@link FeatureVector} (what the streams service emits per checkpoint). */
public final class FeatureExtractor {
    private FeatureExtractor() {
    }

    public static FeatureVector extract(SafeTensors file, CheckpointMetadata meta, long checkpointTimestamp) {
        CheckpointFeatures f = CheckpointAnalyzer.analyze(file, meta.activation());
        double[] values = FeatureLayout.vector(f, meta.step(), meta.plannedSteps(), meta.metrics());
        Health health = new Health(f.nonfiniteValues(), f.nonfiniteTensors(), f.deadFractions());
        return new FeatureVector(meta.runId(), meta.step(), meta.plannedSteps(), meta.study(), meta.activation(),
                FeatureLayout.VERSION, values, health, checkpointTimestamp, System.currentTimeMillis());
    }
}
