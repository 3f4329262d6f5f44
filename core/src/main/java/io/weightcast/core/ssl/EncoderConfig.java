package io.weightcast.core.ssl;

/**
 * Shape and training of a hyper-representation encoder (Schürholt et al. 2021, scaled down to a
 * CPU: their digits encoder used d_model 360, 4 blocks, 12 heads, z 700).
 *
 * @param dModel        token width inside the transformer
 * @param heads         attention heads per block ({@code dModel} must divide by it)
 * @param blocks        transformer blocks in the encoder, and again in the decoder
 * @param embeddingDim  dimension of z
 * @param projectionDim output of the contrastive projection head
 * @param gamma         loss = γ·NT-Xent + (1−γ)·MSE reconstruction
 * @param temperature   NT-Xent temperature
 * @param learningRate  Adam
 * @param batchSize     checkpoints per step (each gives two views)
 * @param noiseStd      Gaussian noise added to the normalised view (0 = off)
 * @param erasing       random erasing of each view
 * @param seed          initialisation, batching and augmentations
 * @param tuning        issue 23's options (bottleneck, projection head, dropout, scale tokens); null reads as
 *                      {@link EncoderTuning#ORIGINAL} (a header saved before they existed)
 */
public record EncoderConfig(int dModel, int heads, int blocks, int embeddingDim, int projectionDim,
                            double gamma, double temperature, double learningRate, int batchSize,
                            double noiseStd, RandomErasing erasing, long seed, EncoderTuning tuning) {

    public EncoderConfig {
        tuning = tuning == null ? EncoderTuning.ORIGINAL : tuning;
        if (dModel <= 0 || heads <= 0 || dModel % heads != 0) {
            throw new IllegalArgumentException("d_model (" + dModel + ") must be a positive multiple of heads (" + heads + ")");
        }
        if (blocks < 1 || embeddingDim < 1 || projectionDim < 1 || batchSize < 2) {
            throw new IllegalArgumentException("blocks, embedding and projection dims must be ≥ 1 and the batch ≥ 2");
        }
        if (gamma < 0 || gamma > 1 || temperature <= 0 || learningRate <= 0) {
            throw new IllegalArgumentException("need 0 ≤ γ ≤ 1, temperature > 0 and learning rate > 0");
        }
    }

    /** What the trainer and {@code weightcast ssl-eval} use on the digits zoo unless told otherwise. */
    public static EncoderConfig defaults() {
        return new EncoderConfig(64, 4, 2, 32, 32, 0.5, 0.1, 1e-3, 64, 0.0, RandomErasing.DEFAULT, 42, EncoderTuning.ORIGINAL);
    }

    public EncoderConfig withSeed(long s) {
        return new EncoderConfig(dModel, heads, blocks, embeddingDim, projectionDim, gamma, temperature,
                learningRate, batchSize, noiseStd, erasing, s, tuning);
    }

    public EncoderConfig withBatchSize(int b) {
        return new EncoderConfig(dModel, heads, blocks, embeddingDim, projectionDim, gamma, temperature,
                learningRate, b, noiseStd, erasing, seed, tuning);
    }

    public EncoderConfig withTuning(EncoderTuning t) {
        return new EncoderConfig(dModel, heads, blocks, embeddingDim, projectionDim, gamma, temperature,
                learningRate, batchSize, noiseStd, erasing, seed, t);
    }
}
