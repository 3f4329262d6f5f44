package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.ModelInputs;
import io.weightcast.core.records.ChanceFloor;
import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.StageModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The columns a model reads: the feature layout, optionally followed by the embedding z of an
 * encoder version ({@code embedding_0..}). Rows are built by {@link ModelInputs}, exactly as the
 * scorer builds them, so a checkpoint without z of that version is fitted and evaluated as the
 * scorer would see it: z missing.
 *
 * @param embeddings where a checkpoint's z comes from (null: no embedding columns)
 */
record FeatureColumns(List<String> names, Integer encoderVersion, EmbeddingLookup embeddings) {

    /** z of a zoo checkpoint under the trainer's current encoder, or null. */
    interface EmbeddingLookup {
        Embedding get(String runId, long step);
    }

    static FeatureColumns layout() {
        return new FeatureColumns(FeatureLayout.names(), null, null);
    }

    static FeatureColumns withEmbedding(int encoderVersion, int dim, EmbeddingLookup lookup) {
        List<String> names = new ArrayList<>(FeatureLayout.names());
        for (int i = 0; i < dim; i++) {
            names.add(ModelVersion.EMBEDDING_PREFIX + i);
        }
        return new FeatureColumns(List.copyOf(names), encoderVersion, lookup);
    }

    /** The columns another model (e.g. the current version) reads, with z from {@code lookup} when versions agree. */
    static FeatureColumns of(ModelVersion mv, EmbeddingLookup lookup) {
        return new FeatureColumns(mv.featureNames(), mv.encoderVersion(), lookup);
    }

    int size() {
        return names.size();
    }

    boolean hasEmbedding() {
        return names.size() > FeatureLayout.size();
    }

    double[] row(ZooRun run, ZooRun.Checkpoint c) {
        Embedding z = embeddings == null || !hasEmbedding() ? null : embeddings.get(run.runId(), c.step());
        return ModelInputs.row(template(null), c.values(), z);
    }

    /** A model version with these columns (what {@code AccuracyModel.load} needs to predict). */
    ModelVersion template(String modelText) {
        return template(modelText, null);
    }

    ModelVersion template(String modelText, ChanceFloor floor) {
        return template(modelText, floor, null);
    }

    /** With late-stage regressors serving the late checkpoints (null or empty: none). */
    ModelVersion template(String modelText, ChanceFloor floor, List<StageModel> stageModels) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(0).layoutVersion(FeatureLayout.VERSION)
                .featureNames(names).modelText(modelText).encoderVersion(encoderVersion)
                .chanceFloor(floor).stageModels(stageModels).build();
    }
}
