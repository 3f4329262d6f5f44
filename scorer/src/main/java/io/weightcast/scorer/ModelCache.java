package io.weightcast.scorer;

import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.model.ModelInputs;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live accuracy model, shared by the global (models) thread that swaps it and the stream threads
 * that predict with it. One lock: a swap closes the old native booster, so no prediction may be
 * running on it at that moment (predictions take microseconds, swaps are rare).
 */
public final class ModelCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

    private AccuracyModel current;
    /** The dying-ReLU classifier travels with the accuracy model: same topic, same swap thread. */
    private final DyingReluClassifier dyingRelu = new DyingReluClassifier();

    public DyingReluClassifier dyingRelu() {
        return dyingRelu;
    }

    /**
     * Loads {@code version} if it is newer than the live one and makes it live, closing the old one.
     *
     * @return true if it was swapped in, false if it is not newer
     * @throws IllegalArgumentException if the model text does not load (the live model stays)
     */
    public boolean offer(ModelVersion version) {
        synchronized (this) {
            if (current != null && version.version() <= current.version().version()) {
                return false;
            }
        }
        AccuracyModel loaded = AccuracyModel.load(version); // outside the lock: loading a big model takes a while
        AccuracyModel old;
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
        LOG.info("accuracy model version {} is live (layout {}, {} training runs){}", version.version(),
                version.layoutVersion(), version.trainingRuns(), old == null ? "" : ", replacing version " + old.version().version());
        return true;
    }

    public synchronized Integer currentVersion() {
        return current == null ? null : current.version().version();
    }

    public synchronized Prediction predict(FeatureVector fv) {
        if (current == null) {
            return Prediction.none(Prediction.NO_MODEL_NOTE);
        }
        ModelVersion mv = current.version();
        if (mv.layoutVersion() != fv.layoutVersion()) {
            return Prediction.none("model version " + mv.version() + " was fit on feature layout " + mv.layoutVersion()
                    + " but this vector has layout " + fv.layoutVersion() + ": not used");
        }
        double[] row;
        try {
            row = ModelInputs.row(mv, fv.values(), fv.embedding());
        } catch (IllegalArgumentException e) {
            return Prediction.none(e.getMessage() + ": not used");
        }
        try {
            double p = current.predict(row);
            List<Interval> intervals = current.intervals(p, row);
            Interval eighty = intervals.stream()
                    .filter(i -> Math.abs(i.level() - Prediction.INTERVAL_LEVEL) < 1e-9).findFirst().orElse(null);
            String note = eighty == null ? "model version " + mv.version() + " has no 80% interval" : null;
            if (mv.embeddingColumns() > 0 && !ModelInputs.usable(mv, fv.embedding())) {
                note = "no embedding from encoder version " + mv.encoderVersion() + " for this checkpoint: predicted without it";
            }
            return new Prediction(p, eighty, intervals, mv, note, current.topRunProbability(row));
        } catch (RuntimeException e) {
            return Prediction.none("prediction with model version " + mv.version() + " failed: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        dyingRelu.close();
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
