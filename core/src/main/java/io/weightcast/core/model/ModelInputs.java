package io.weightcast.core.model;

import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.ModelVersion;
import java.util.Arrays;
import java.util.Objects;

/**
 * A model's input row: the feature layout's values, then (for a model trained with embeddings) the
 * checkpoint's z. z counts as missing (NaN, which LightGBM routes like any missing value) when the
 * checkpoint has none or it comes from another encoder version than the model was trained on:
 * another version is another coordinate system. One definition for the trainer (fit, evaluation)
 * and the scorer (serving), so both build rows the same way.
 */
public final class ModelInputs {

    private ModelInputs() {}

    /** The row, or IllegalArgumentException if the layout part does not fit the model. */
    public static double[] row(ModelVersion mv, double[] layoutValues, Embedding embedding) {
        int z = mv.embeddingColumns();
        int layout = mv.featureNames().size() - z;
        if (layoutValues.length != layout) {
            throw new IllegalArgumentException("feature vector has " + layoutValues.length + " values, model version "
                    + mv.version() + " expects " + layout + (z > 0 ? " (+ " + z + " embedding columns)" : ""));
        }
        if (z == 0) {
            return layoutValues;
        }
        double[] row = Arrays.copyOf(layoutValues, layout + z);
        boolean usable = usable(mv, embedding);
        for (int i = 0; i < z; i++) {
            row[layout + i] = usable ? embedding.values()[i] : Double.NaN;
        }
        return row;
    }

    /** Whether the model reads z and this embedding is in its encoder's coordinates. */
    public static boolean usable(ModelVersion mv, Embedding embedding) {
        return mv.embeddingColumns() > 0 && embedding != null && embedding.values() != null
                && Objects.equals(mv.encoderVersion(), embedding.encoderVersion())
                && embedding.values().length == mv.embeddingColumns();
    }
}
