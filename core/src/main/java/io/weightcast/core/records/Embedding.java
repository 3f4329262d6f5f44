package io.weightcast.core.records;

/**
 * A checkpoint's hyper-representation (design §5 "Embeddings"): z from encoder version
 * {@code encoderVersion}. Predictors trained on embeddings name the version they were trained with;
 * z from another version is a different coordinate system and must not be mixed in.
 */
public record Embedding(int encoderVersion, float[] values) {
}
