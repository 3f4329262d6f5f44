package io.weightcast.trainer;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.EncoderTuning;
import io.weightcast.core.ssl.RandomErasing;
import java.util.List;

/**
 * Settings of the weight encoder the trainer trains (design §5 "Embeddings"), each key declared once below and
 * validated up front.
 */
record EncoderSettings(boolean enabled, int minRuns, double growth, int epochs, int maxTrainCheckpoints,
                       int maxCheckpoints, int maxParameters, double cpuShare, EncoderConfig config, boolean serve) {

    private static final EncoderConfig D = EncoderConfig.defaults();
    static final Key<Boolean> ENABLED = Key.bool("trainer.encoder.enabled", true,
            "read `checkpoints`, train and publish weight encoders, compare the predictor on z (`local`, `demo`: false,"
                    + " see \"The weight encoder is off in local mode\")");
    static final Key<Boolean> SERVE = Key.bool("trainer.encoder.serve", false,
            "serve z: a refit that fits features + z beside the features alone serves whichever does better on the held-out "
                    + "runs. false: z is compared once per encoder (logs, `weightcast_trainer_inputs_holdout_r2`) and never "
                    + "served, until z earns its place in the served model (README, \"The weight encoder\"; eval/results/ssl.md)");
    static final Key<Integer> MIN_RUNS = Key.integer("trainer.encoder.min.runs", 20,
            "first encoder once this many zoo runs have weights (`demo`: 12)").rule("≥ " + RunSplit.MIN_RUNS,
            n -> n >= RunSplit.MIN_RUNS);
    static final Key<Double> GROWTH = Key.number("trainer.encoder.growth", 2.0,
            "re-train when the zoo runs with weights grew by this factor").rule("> 1", g -> g > 1);
    static final Key<Integer> EPOCHS = Key.integer("trainer.encoder.epochs", 20, "passes over the training checkpoints (`demo`: 5)")
            .rule("≥ 1", n -> n >= 1);
    static final Key<Integer> MAX_TRAIN_CHECKPOINTS = Key.integer("trainer.encoder.max.train.checkpoints", 4000,
            "a seeded sample of at most this many training checkpoints per training (bounds its time)").rule("≥ 2", n -> n >= 2);
    static final Key<Integer> MAX_CHECKPOINTS = Key.integer("trainer.encoder.max.checkpoints", 10_000,
            "weights held in memory (digits CNN: 20 KB each)").rule("≥ 1", n -> n >= 1);
    static final Key<Integer> MAX_PARAMETERS = Key.integer("trainer.encoder.max.parameters", 100_000,
            "larger architectures are not encoded").rule("≥ 1", n -> n >= 1);
    static final Key<Double> CPU_SHARE = Key.number("trainer.encoder.cpu.share", 0.5,
            "the encoder's training computes at most this share of wall time (rests between steps; 1: no rest)")
            .rule("in (0, 1]", s -> s > 0 && s <= 1);
    static final Key<Integer> D_MODEL = Key.integer("trainer.encoder.d.model", D.dModel(), "transformer width (EncoderConfig)");
    static final Key<Integer> HEADS = Key.integer("trainer.encoder.heads", D.heads(), "attention heads");
    static final Key<Integer> BLOCKS = Key.integer("trainer.encoder.blocks", D.blocks(), "transformer blocks");
    /** Issue 23's fair setup: z 128, linear (ssl-eval --fair; core's EncoderConfig.defaults() keep the original 32). */
    static final int FAIR_EMBEDDING_DIM = 128;
    /** Issue 23's fair setup: γ in the paper's 0.1–0.15 (core's default 0.5 is the original). */
    static final double FAIR_GAMMA = 0.1;
    static final Key<Integer> EMBEDDING_DIM = Key.integer("trainer.encoder.embedding.dim", FAIR_EMBEDDING_DIM,
            "size of the embedding z (and of the projection head; before issue 23: 32)");
    static final Key<Double> GAMMA = Key.number("trainer.encoder.gamma", FAIR_GAMMA,
            "loss = γ·NT-Xent + (1−γ)·reconstruction MSE");
    static final Key<Double> LEARNING_RATE = Key.number("trainer.encoder.learning.rate", D.learningRate(), "Adam learning rate");
    static final Key<Integer> BATCH_SIZE = Key.integer("trainer.encoder.batch.size", D.batchSize(), "checkpoints per batch");
    /** The trainer trains issue 23's fair setup; each part can be turned back to the original graph. */
    private static final EncoderTuning T = EncoderTuning.FAIR;
    static final Key<Boolean> LINEAR_BOTTLENECK = Key.bool("trainer.encoder.linear.bottleneck", T.linearBottleneck(),
            "z without tanh (EncoderTuning; issue 23's fair setup; the original graph: false)");
    static final Key<Integer> PROJECTION_LAYERS = Key.integer("trainer.encoder.projection.layers", T.projectionLayers(),
            "Linear layers of the contrastive projection head (original: 2)").rule("≥ 2", n -> n >= 2);
    static final Key<Boolean> BATCH_NORM = Key.bool("trainer.encoder.batch.norm", T.batchNorm(),
            "batch norm in the projection head (original: false)");
    static final Key<Double> DROPOUT = Key.number("trainer.encoder.dropout", T.dropout(),
            "dropout in the transformer blocks while training (original: 0)").rule("in [0, 1)", d -> d >= 0 && d < 1);
    static final Key<Boolean> LAYER_SCALE = Key.bool("trainer.encoder.layer.scale", T.layerScale(),
            "per checkpoint and layer, RMS-normalised weights with log(RMS) as a token column (original: false)");

    static final List<Key<?>> KEYS = List.of(ENABLED, SERVE, MIN_RUNS, GROWTH, EPOCHS, MAX_TRAIN_CHECKPOINTS, MAX_CHECKPOINTS,
            MAX_PARAMETERS, CPU_SHARE, D_MODEL, HEADS, BLOCKS, EMBEDDING_DIM, GAMMA, LEARNING_RATE, BATCH_SIZE, LINEAR_BOTTLENECK,
            PROJECTION_LAYERS, BATCH_NORM, DROPOUT, LAYER_SCALE);

    EncoderSettings {
        MIN_RUNS.checked(minRuns);
        GROWTH.checked(growth);
        EPOCHS.checked(epochs);
        MAX_TRAIN_CHECKPOINTS.checked(maxTrainCheckpoints);
        MAX_CHECKPOINTS.checked(maxCheckpoints);
        MAX_PARAMETERS.checked(maxParameters);
        CPU_SHARE.checked(cpuShare);
    }

    static EncoderSettings from(Settings s, long seed) {
        EncoderConfig config;
        try {
            config = new EncoderConfig(s.get(D_MODEL), s.get(HEADS), s.get(BLOCKS), s.get(EMBEDDING_DIM), s.get(EMBEDDING_DIM),
                    s.get(GAMMA), D.temperature(), s.get(LEARNING_RATE), s.get(BATCH_SIZE), 0.0, RandomErasing.DEFAULT, seed,
                    new EncoderTuning(s.get(LINEAR_BOTTLENECK), s.get(PROJECTION_LAYERS), s.get(BATCH_NORM), s.get(DROPOUT),
                            s.get(LAYER_SCALE)));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("trainer.encoder.*: " + e.getMessage(), e);
        }
        return new EncoderSettings(s.get(ENABLED), s.get(MIN_RUNS), s.get(GROWTH), s.get(EPOCHS), s.get(MAX_TRAIN_CHECKPOINTS),
                s.get(MAX_CHECKPOINTS), s.get(MAX_PARAMETERS), s.get(CPU_SHARE), config, s.get(SERVE));
    }
}
