package io.weightcast.scorer;

import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.ModelVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dying-ReLU classifier ({@link DyingReluModel}, published by the trainer as
 * {@value DyingReluModel#NAME}), swapped by the models thread, used by the stream threads. One lock,
 * as in {@link ModelCache}: a swap frees the old native booster.
 */
public final class DyingReluClassifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DyingReluClassifier.class);

    /** A checkpoint's probability that its run ends with a dying layer, the version that computed it and its alert probability. */
    public record Judged(double probability, int version, double alertProbability) {
        public Judged(double probability, int version) {
            this(probability, version, DyingReluModel.DECISION_PROBABILITY);
        }

        public boolean fires() {
            return probability >= alertProbability;
        }
    }

    private DyingReluModel current;

    /**
     * Makes {@code version} live if it is newer than the live one.
     *
     * @return true if swapped in
     * @throws IllegalArgumentException if it does not load (the live one stays)
     */
    public boolean offer(ModelVersion version) {
        synchronized (this) {
            if (current != null && version.version() <= current.version().version()) {
                return false;
            }
        }
        DyingReluModel loaded = DyingReluModel.load(version);
        DyingReluModel old;
        synchronized (this) {
            if (current != null && version.version() <= current.version().version()) {
                loaded.close();
                return false;
            }
            old = current;
            current = loaded;
            if (old != null) {
                old.close();
            }
        }
        LOG.info("dying-ReLU classifier version {} is live ({} training checkpoints){}", version.version(), version.trainingRows(),
                old == null ? "" : ", replacing version " + old.version().version());
        return true;
    }

    public synchronized Integer currentVersion() {
        return current == null ? null : current.version().version();
    }

    /** The classifier's verdict, or null when there is no classifier or it cannot read this vector. */
    public synchronized Judged judge(FeatureVector fv) {
        if (current == null || fv.values() == null || fv.layoutVersion() != current.version().layoutVersion()) {
            return null;
        }
        try {
            return new Judged(current.probability(fv.values()), current.version().version(), current.alertProbability());
        } catch (RuntimeException e) {
            LOG.debug("dying-ReLU classifier could not judge {} step {}: {}", fv.runId(), fv.step(), e.getMessage());
            return null;
        }
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
