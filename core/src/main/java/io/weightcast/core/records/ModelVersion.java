package io.weightcast.core.records;

import java.util.List;
import java.util.Map;

/**
 * A value of the compacted {@code models} topic, keyed by model name.
 *
 * @param modelText          LightGBM model as text (bit-exact save/load)
 * @param residualQuantiles  interval level (e.g. "0.8") → half-width from held-out absolute residuals
 * @param studyReferences    study → reference final accuracy for early stopping (75th percentile of finished runs)
 * @param ablations          feature family left out (e.g. "spectra") → the holdout metrics of the same fit
 *                           without it, on the same runs: what that family is worth; empty when not measured
 */
public record ModelVersion(
        String name,
        int version,
        int layoutVersion,
        List<String> featureNames,
        String modelText,
        int trainingRuns,
        int trainingRows,
        HoldoutMetrics holdout,
        Map<String, Double> residualQuantiles,
        Map<String, Double> studyReferences,
        long createdAt,
        Map<String, HoldoutMetrics> ablations) {

    public static final String ACCURACY_MODEL = "final-accuracy";

    public ModelVersion {
        ablations = ablations == null ? Map.of() : Map.copyOf(ablations);
    }

    /** A version without ablation measurements. */
    public ModelVersion(String name, int version, int layoutVersion, List<String> featureNames, String modelText,
                        int trainingRuns, int trainingRows, HoldoutMetrics holdout, Map<String, Double> residualQuantiles,
                        Map<String, Double> studyReferences, long createdAt) {
        this(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout, residualQuantiles,
                studyReferences, createdAt, Map.of());
    }
}
