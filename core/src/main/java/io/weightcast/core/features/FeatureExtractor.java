package io.weightcast.core.features;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** Without spectra (their section NaN): for callers without the ND4J backend or whose spectra come later. */
    public static FeatureVector extract(SafeTensors file, CheckpointMetadata meta, long checkpointTimestamp) {
        return extract(file, meta, checkpointTimestamp, null);
    }

    /**
     * @param spectra per-layer spectra (in layer order) computed by the caller, e.g.
     *                {@code new SpectralAnalyzer().analyze(file).health()}; null when not computed
     */
    public static FeatureVector extract(SafeTensors file, CheckpointMetadata meta, long checkpointTimestamp,
                                        Map<String, LayerSpectralHealth> spectra) {
        return extract(file, meta, checkpointTimestamp, spectra, List.of());
    }

    /**
     * @param earlierMetrics the run's reported metrics at its steps before this one, oldest first (the
     *                       learning-curve section's history; empty when unknown)
     */
    public static FeatureVector extract(SafeTensors file, CheckpointMetadata meta, long checkpointTimestamp,
                                        Map<String, LayerSpectralHealth> spectra, List<Map<String, Double>> earlierMetrics) {
        CheckpointFeatures f = CheckpointAnalyzer.analyze(file, meta.activation());
        double[] values = FeatureLayout.withHyperparameters(
                FeatureLayout.vector(f, spectra, meta.step(), meta.plannedSteps(), meta.metrics(), earlierMetrics),
                meta.hparams(), meta.activation());
        Health health = new Health(f.nonfiniteValues(), f.nonfiniteTensors(), deadFractions(f, meta.metrics()), spectra);
        return new FeatureVector(meta.runId(), meta.step(), meta.plannedSteps(), meta.study(), meta.activation(),
                FeatureLayout.VERSION, values, health, checkpointTimestamp, System.currentTimeMillis());
    }
}
