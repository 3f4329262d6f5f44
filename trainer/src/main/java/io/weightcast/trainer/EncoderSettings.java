package io.weightcast.trainer;

import io.weightcast.core.config.Settings;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.RandomErasing;

/**
 * Settings of the weight encoder the trainer trains (design §5 "Embeddings"), validated up front.
 *
 * <table>
 * <caption>keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code trainer.encoder.enabled}</td><td>true</td><td>read checkpoints, train and publish encoders,
 * fit predictors on z too</td></tr>
 * <tr><td>{@code trainer.encoder.min.runs}</td><td>20</td><td>first encoder once this many zoo runs have weights</td></tr>
 * <tr><td>{@code trainer.encoder.growth}</td><td>2.0</td><td>re-train when the zoo runs with weights grew by this factor</td></tr>
 * <tr><td>{@code trainer.encoder.epochs}</td><td>20</td><td>passes over the training checkpoints</td></tr>
 * <tr><td>{@code trainer.encoder.max.train.checkpoints}</td><td>4000</td><td>a seeded sample of at most this many
 * training checkpoints per training (bounds its time: ~0.1 s per batch of 64 on a 2-core CPU)</td></tr>
 * <tr><td>{@code trainer.encoder.max.checkpoints}</td><td>10000</td><td>weights held in memory (digits CNN: 20 KB each)</td></tr>
 * <tr><td>{@code trainer.encoder.max.parameters}</td><td>100000</td><td>larger architectures are not encoded</td></tr>
 * <tr><td>{@code trainer.encoder.d.model}, {@code .heads}, {@code .blocks}, {@code .embedding.dim},
 * {@code .batch.size}, {@code .learning.rate}, {@code .gamma}</td><td>64, 4, 2, 32, 64, 0.001, 0.5</td>
 * <td>see {@link EncoderConfig}</td></tr>
 * </table>
 */
record EncoderSettings(boolean enabled, int minRuns, double growth, int epochs, int maxTrainCheckpoints,
                       int maxCheckpoints, int maxParameters, EncoderConfig config) {

    static final String PREFIX = "trainer.encoder.";

    EncoderSettings {
        require(minRuns >= RunSplit.MIN_RUNS, PREFIX + "min.runs must be >= " + RunSplit.MIN_RUNS + ", was " + minRuns);
        require(growth > 1, PREFIX + "growth must be > 1, was " + growth);
        require(epochs >= 1, PREFIX + "epochs must be >= 1, was " + epochs);
        require(maxTrainCheckpoints >= 2, PREFIX + "max.train.checkpoints must be >= 2, was " + maxTrainCheckpoints);
        require(maxCheckpoints >= 1 && maxParameters >= 1, PREFIX + "max.checkpoints and max.parameters must be >= 1");
    }

    static EncoderSettings from(Settings s, long seed) {
        EncoderConfig d = EncoderConfig.defaults();
        EncoderConfig config;
        try {
            config = new EncoderConfig(
                    s.getInt(PREFIX + "d.model", d.dModel()), s.getInt(PREFIX + "heads", d.heads()),
                    s.getInt(PREFIX + "blocks", d.blocks()), s.getInt(PREFIX + "embedding.dim", d.embeddingDim()),
                    s.getInt(PREFIX + "embedding.dim", d.embeddingDim()), s.getDouble(PREFIX + "gamma", d.gamma()),
                    d.temperature(), s.getDouble(PREFIX + "learning.rate", d.learningRate()),
                    s.getInt(PREFIX + "batch.size", d.batchSize()), 0.0, RandomErasing.DEFAULT, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + "*: " + e.getMessage(), e);
        }
        return new EncoderSettings(s.getBoolean(PREFIX + "enabled", true), s.getInt(PREFIX + "min.runs", 20),
                s.getDouble(PREFIX + "growth", 2.0), s.getInt(PREFIX + "epochs", 20),
                s.getInt(PREFIX + "max.train.checkpoints", 4000), s.getInt(PREFIX + "max.checkpoints", 10_000),
                s.getInt(PREFIX + "max.parameters", 100_000), config);
    }

    private static void require(boolean ok, String reason) {
        if (!ok) {
            throw new IllegalArgumentException(reason);
        }
    }
}
