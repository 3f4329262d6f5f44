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
    static Map<String, Double> deadFractions(Map<String, Double> weightCriterion, Map<String, Double> metrics) {
        Map<String, Double> dead = new LinkedHashMap<>(weightCriterion == null ? Map.of() : weightCriterion);
        Map<String, Double> measured = measuredDeadFractions(metrics);
        if (measured != null) {
            measured.forEach((layer, value) -> dead.merge(layer, value, Math::max));
        }
        return dead;
    }

    /** Per layer, what the loop measured ({@code dead_fraction/<layer>} in its metrics, finite values); null when it reported none. */
    public static Map<String, Double> measuredDeadFractions(Map<String, Double> metrics) {
        Map<String, Double> measured = new LinkedHashMap<>();
        if (metrics != null) {
            metrics.forEach((key, value) -> {
                if (key.startsWith(REPORTED_DEAD_FRACTION) && value != null && Double.isFinite(value)) {
                    measured.put(key.substring(REPORTED_DEAD_FRACTION.length()), value);
                }
            });
        }
        return measured.isEmpty() ? null : measured;
    }

    /**
     * The vector {@link #extract} would have made had the run's metrics of this step been there: its
     * reported-metrics and learning-curve sections and its dead fractions from {@code metrics}. For a checkpoint
     * whose metrics come after it, in a {@code metrics} run event (the streams service holds it until then).
     *
     * @param earlier the run's reported metrics at its steps before this one, oldest first
     */
    public static FeatureVector withReportedMetrics(FeatureVector v, Map<String, Double> metrics, List<Map<String, Double>> earlier) {
        Health h = v.health();
        Health health = new Health(h.nonfiniteValues(), h.nonfiniteTensors(), deadFractions(h.deadFractions(), metrics), h.spectra(),
                measuredDeadFractions(metrics));
        return new FeatureVector(v.runId(), v.step(), v.plannedSteps(), v.study(), v.activation(), v.layoutVersion(),
                FeatureLayout.withMetrics(v.values(), metrics, earlier), health, v.checkpointTimestamp(), System.currentTimeMillis(),
                v.embedding());
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
        Health health = new Health(f.nonfiniteValues(), f.nonfiniteTensors(), deadFractions(f.deadFractions(), meta.metrics()), spectra,
                measuredDeadFractions(meta.metrics()));
        return new FeatureVector(meta.runId(), meta.step(), meta.plannedSteps(), meta.study(), meta.activation(),
                FeatureLayout.VERSION, values, health, checkpointTimestamp, System.currentTimeMillis());
    }
}
