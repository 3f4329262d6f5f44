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
 * @param encoderVersion     when {@code featureNames} end in {@code embedding_0..}: the encoder version whose z
 *                           the model was trained on (z of another version counts as missing); else null
 * @param chanceFloor        the classifier that snaps collapsed runs' predictions to the chance level, or null
 * @param topRunRule         the early-stop rule (P(top run) against per-stage thresholds), or null: the scorer then
 *                           judges early stopping by the interval against the study reference
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
        Map<String, HoldoutMetrics> ablations,
        Integer encoderVersion,
        ChanceFloor chanceFloor,
        TopRunRule topRunRule) {

    public static final String ACCURACY_MODEL = "final-accuracy";
    /** Feature names of embedding columns: {@code embedding_0}, {@code embedding_1}, … after the layout's. */
    public static final String EMBEDDING_PREFIX = "embedding_";

    /** A version without a chance floor. */
    public ModelVersion(String name, int version, int layoutVersion, List<String> featureNames, String modelText,
                        int trainingRuns, int trainingRows, HoldoutMetrics holdout, Map<String, Double> residualQuantiles,
                        Map<String, Double> studyReferences, long createdAt, Map<String, HoldoutMetrics> ablations,
                        Integer encoderVersion) {
        this(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout, residualQuantiles,
                studyReferences, createdAt, ablations, encoderVersion, null, null);
    }

    /** This version with a chance floor. */
    public ModelVersion withChanceFloor(ChanceFloor floor) {
        return new ModelVersion(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout,
                residualQuantiles, studyReferences, createdAt, ablations, encoderVersion, floor, topRunRule);
    }

    /** This version with an early-stop rule. */
    public ModelVersion withTopRunRule(TopRunRule rule) {
        return new ModelVersion(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout,
                residualQuantiles, studyReferences, createdAt, ablations, encoderVersion, chanceFloor, rule);
    }

    /** A version of the feature layout alone (no embedding columns). */
    public ModelVersion(String name, int version, int layoutVersion, List<String> featureNames, String modelText,
                        int trainingRuns, int trainingRows, HoldoutMetrics holdout, Map<String, Double> residualQuantiles,
                        Map<String, Double> studyReferences, long createdAt, Map<String, HoldoutMetrics> ablations) {
        this(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout, residualQuantiles,
                studyReferences, createdAt, ablations, null);
    }

    /** How many trailing embedding columns the model reads (0 for a layout-only model). */
    public int embeddingColumns() {
        return featureNames == null ? 0 : (int) featureNames.stream().filter(n -> n.startsWith(EMBEDDING_PREFIX)).count();
    }

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
