package io.weightcast.trainer;

import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a weight encoder on the zoo's checkpoints (self-supervised: no accuracies), split by run
 * with the same {@link RunSplit} as the accuracy fits, so the encoder never saw a held-out run's
 * weights either; the decoder's reconstruction R² is measured on those held-out runs.
 */
final class EncoderFitter {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderFitter.class);

    /** A trained encoder and its record (version number filled in by the publisher). */
    record EncoderFit(HyperRepresentation encoder, EncoderVersion record) {}

    private final EncoderSettings settings;
    private final double holdoutFraction;
    private final long seed;

    EncoderFitter(EncoderSettings settings, double holdoutFraction, long seed) {
        this.settings = settings;
        this.holdoutFraction = holdoutFraction;
        this.seed = seed;
    }

    /** The checkpoints one training uses, picked on the poll thread (the store is not shared with the training thread). */
    record Job(String architecture, int version, int trainRuns, List<WeightTokens> train, List<WeightTokens> holdout) {}

    Job job(List<String> zooRunIds, String architecture, CheckpointWeights weights, int version) {
        RunSplit.Sides<String> sides = new RunSplit(holdoutFraction, seed).apply(zooRunIds, id -> id);
        return new Job(architecture, version, sides.train().size(), sample(weights.of(sides.train(), architecture)),
                weights.of(sides.holdout(), architecture));
    }

    /**
     * Trains on the job's checkpoints; runs on the caller's thread (minutes). {@code beforeStep} runs before every
     * training step (see {@link HyperRepresentation#train(List, int, java.util.function.Consumer, Runnable)}).
     */
    EncoderFit fit(Job job, Runnable beforeStep) {
        long t0 = System.nanoTime();
        List<WeightTokens> train = job.train();
        List<WeightTokens> holdout = job.holdout();
        String architecture = job.architecture();
        int version = job.version();
        if (train.size() < 2) {
            throw new IllegalStateException("only " + train.size() + " training checkpoints of " + architecture);
        }
        HyperRepresentation encoder = HyperRepresentation.create(train, settings.config());
        List<HyperRepresentation.EpochLoss> history = encoder.train(train, settings.epochs(), e ->
                LOG.info("encoder v{} epoch {}/{}: loss {} (contrastive {}, reconstruction {}) in {} s", version, e.epoch(),
                        settings.epochs(), f(e.loss()), f(e.contrastive()), f(e.reconstruction()), f(e.seconds())), beforeStep);
        double r2 = holdout.isEmpty() ? Double.NaN : encoder.reconstructionR2(holdout);
        double seconds = (System.nanoTime() - t0) / 1e9;
        EncoderVersion record = new EncoderVersion(EncoderVersion.KEY, version, architecture, encoder.embeddingDim(),
                job.trainRuns(), train.size(), settings.epochs(), history.get(history.size() - 1).loss(), r2, seconds,
                Base64.getEncoder().encodeToString(encoder.toBytes()), System.currentTimeMillis());
        return new EncoderFit(encoder, record);
    }

    /** At most {@code max.train.checkpoints}, a seeded sample (every run keeps its chance to be seen). */
    private List<WeightTokens> sample(List<WeightTokens> all) {
        if (all.size() <= settings.maxTrainCheckpoints()) {
            return all;
        }
        List<WeightTokens> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        return shuffled.subList(0, settings.maxTrainCheckpoints());
    }

    private static String f(double v) {
        return String.format("%.4f", v);
    }
}
