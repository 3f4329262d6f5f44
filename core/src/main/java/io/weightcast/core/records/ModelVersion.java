package io.weightcast.core.records;

import java.util.List;
import java.util.Map;

/**
 * A value of the compacted {@code models} topic, keyed by model name.
 *
 * @param modelText          LightGBM model as text (bit-exact save/load)
 * @param residualQuantiles  interval level (e.g. "0.8") → half-width from the calibration runs' absolute residuals (the
 *                           held-out runs' and, cross-conformal, the training runs' out of fold: trainer AccuracyModelFitter)
 * @param studyReferences    study → reference final accuracy for early stopping (75th percentile of finished runs)
 * @param ablations          feature family left out (e.g. "spectra") → the holdout metrics of the same fit
 *                           without it, on the same runs: what that family is worth; empty when not measured
 * @param encoderVersion     when {@code featureNames} end in {@code embedding_0..}: the encoder version whose z
 *                           the model was trained on (z of another version counts as missing); else null
 * @param chanceFloor        the classifier that snaps collapsed runs' predictions to the chance level, or null
 * @param topRunRule         the early-stop rule (P(top run) against per-stage thresholds), or null: the scorer then
 *                           judges early stopping by the interval against the study reference
 * @param stageResidualQuantiles per stage of training (stage b of B = the list's size holds the checkpoints with
 *                           step / planned_steps in ((b−1)/B, b/B], as {@link TopRunRule#stage}), level → the
 *                           conformal half-width from that stage's calibration rows; a level a stage has too few rows
 *                           for is absent there. Null (versions before it, the dying-ReLU model): every stage uses
 *                           {@code residualQuantiles}
 * @param stageModels        regressors serving the late checkpoints in place of {@code modelText} ({@link StageModel});
 *                           null or empty: {@code modelText} serves every checkpoint
 * @param alertProbability   the dying-ReLU classifier's: the probability from which the scorer raises DYING_RELU,
 *                           chosen by the trainer on its runs (above 1: never); null: {@code DyingReluModel}'s 0.5
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
        TopRunRule topRunRule,
        List<Map<String, Double>> stageResidualQuantiles,
        List<StageModel> stageModels,
        Double alertProbability) {

    public static final String ACCURACY_MODEL = "final-accuracy";
    /** Feature names of embedding columns: {@code embedding_0}, {@code embedding_1}, … after the layout's. */
    public static final String EMBEDDING_PREFIX = "embedding_";

    /** A version built field by field: 17 positional arguments invite swapped ints; unset ones are null, 0 or empty. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this version's fields, to change some of them. */
    public Builder toBuilder() {
        return new Builder().name(name).version(version).layoutVersion(layoutVersion).featureNames(featureNames)
                .modelText(modelText).trainingRuns(trainingRuns).trainingRows(trainingRows).holdout(holdout)
                .residualQuantiles(residualQuantiles).studyReferences(studyReferences).createdAt(createdAt).ablations(ablations)
                .encoderVersion(encoderVersion).chanceFloor(chanceFloor).topRunRule(topRunRule)
                .stageResidualQuantiles(stageResidualQuantiles).stageModels(stageModels).alertProbability(alertProbability);
    }

    /** This version with a chance floor. */
    public ModelVersion withChanceFloor(ChanceFloor floor) {
        return toBuilder().chanceFloor(floor).build();
    }

    /** This version with an early-stop rule. */
    public ModelVersion withTopRunRule(TopRunRule rule) {
        return toBuilder().topRunRule(rule).build();
    }

    /** This version with per-stage interval half-widths. */
    public ModelVersion withStageResidualQuantiles(List<Map<String, Double>> byStage) {
        return toBuilder().stageResidualQuantiles(byStage).build();
    }

    /** This version with late-stage regressors. */
    public ModelVersion withStageModels(List<StageModel> models) {
        return toBuilder().stageModels(models).build();
    }

    /**
     * The half-widths (level → half-width) for a checkpoint at this fraction of its planned steps: its
     * stage's where it has one for the level, else {@code residualQuantiles}' (an unknown fraction, NaN,
     * gets these). Null when the version has no intervals.
     */
    public Map<String, Double> residualQuantiles(double stepFraction) {
        if (residualQuantiles == null || stageResidualQuantiles == null || stageResidualQuantiles.isEmpty()
                || !Double.isFinite(stepFraction)) {
            return residualQuantiles;
        }
        Map<String, Double> stage = stageResidualQuantiles.get(TopRunRule.stage(stepFraction, stageResidualQuantiles.size()));
        Map<String, Double> out = new java.util.TreeMap<>(residualQuantiles);
        if (stage != null) {
            stage.forEach((level, q) -> {
                if (q != null && Double.isFinite(q)) {
                    out.put(level, q);
                }
            });
        }
        return out;
    }

    /** How many trailing embedding columns the model reads (0 for a layout-only model). */
    public int embeddingColumns() {
        return featureNames == null ? 0 : (int) featureNames.stream().filter(n -> n.startsWith(EMBEDDING_PREFIX)).count();
    }

    public ModelVersion {
        ablations = ablations == null ? Map.of() : Map.copyOf(ablations);
        stageResidualQuantiles = stageResidualQuantiles == null ? null : List.copyOf(stageResidualQuantiles);
        stageModels = stageModels == null ? null : List.copyOf(stageModels);
    }

    /** Builds a {@link ModelVersion}; each setter is named after the component it sets. */
    public static final class Builder {
        private String name;
        private int version;
        private int layoutVersion;
        private List<String> featureNames;
        private String modelText;
        private int trainingRuns;
        private int trainingRows;
        private HoldoutMetrics holdout;
        private Map<String, Double> residualQuantiles;
        private Map<String, Double> studyReferences;
        private long createdAt;
        private Map<String, HoldoutMetrics> ablations;
        private Integer encoderVersion;
        private ChanceFloor chanceFloor;
        private TopRunRule topRunRule;
        private List<Map<String, Double>> stageResidualQuantiles;
        private List<StageModel> stageModels;
        private Double alertProbability;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder version(int version) {
            this.version = version;
            return this;
        }

        public Builder layoutVersion(int layoutVersion) {
            this.layoutVersion = layoutVersion;
            return this;
        }

        public Builder featureNames(List<String> featureNames) {
            this.featureNames = featureNames;
            return this;
        }

        public Builder modelText(String modelText) {
            this.modelText = modelText;
            return this;
        }

        public Builder trainingRuns(int trainingRuns) {
            this.trainingRuns = trainingRuns;
            return this;
        }

        public Builder trainingRows(int trainingRows) {
            this.trainingRows = trainingRows;
            return this;
        }

        public Builder holdout(HoldoutMetrics holdout) {
            this.holdout = holdout;
            return this;
        }

        public Builder residualQuantiles(Map<String, Double> residualQuantiles) {
            this.residualQuantiles = residualQuantiles;
            return this;
        }

        public Builder studyReferences(Map<String, Double> studyReferences) {
            this.studyReferences = studyReferences;
            return this;
        }

        public Builder createdAt(long createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder ablations(Map<String, HoldoutMetrics> ablations) {
            this.ablations = ablations;
            return this;
        }

        public Builder encoderVersion(Integer encoderVersion) {
            this.encoderVersion = encoderVersion;
            return this;
        }

        public Builder chanceFloor(ChanceFloor chanceFloor) {
            this.chanceFloor = chanceFloor;
            return this;
        }

        public Builder topRunRule(TopRunRule topRunRule) {
            this.topRunRule = topRunRule;
            return this;
        }

        public Builder stageResidualQuantiles(List<Map<String, Double>> stageResidualQuantiles) {
            this.stageResidualQuantiles = stageResidualQuantiles;
            return this;
        }

        public Builder stageModels(List<StageModel> stageModels) {
            this.stageModels = stageModels;
            return this;
        }

        public Builder alertProbability(Double alertProbability) {
            this.alertProbability = alertProbability;
            return this;
        }

        public ModelVersion build() {
            return new ModelVersion(name, version, layoutVersion, featureNames, modelText, trainingRuns, trainingRows, holdout,
                    residualQuantiles, studyReferences, createdAt, ablations, encoderVersion, chanceFloor, topRunRule,
                    stageResidualQuantiles, stageModels, alertProbability);
        }
    }
}
