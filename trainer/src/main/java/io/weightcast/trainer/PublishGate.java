package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.ModelVersion;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a candidate replaces the current version by scoring BOTH on the candidate's
 * held-out runs. Comparing each model's own holdout metrics would compare different run sets (the
 * zoo grew between the fits), which with a few held-out runs is mostly noise. The shared set is
 * fair to the current version: {@link RunSplit} keeps every run on its side as the zoo grows, so no
 * earlier version trained on any of the candidate's held-out runs. A version served refit on every run
 * ({@code trainer.serve.all.runs}) did see them, so the trainer hands the gate that version's split fit instead, and
 * publishes uncontested when it has none (a version fitted before a restart).
 *
 * <p>Publish when the candidate's final-checkpoint R² there is not below the current's by more than
 * {@code tolerance}; a NaN R² (held-out labels all equal) decides nothing and publishes, as before.
 * Without a current version of this feature layout there is nothing to compare: publish. A current
 * version whose model text does not load is replaced too: the scorer cannot use it either.
 *
 * <p>The current version's booster is loaded once and kept until the current version changes
 * (the old one is closed then), so a refit does not re-parse it. Poll thread only; {@link #close()}
 * frees the booster.
 */
final class PublishGate implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PublishGate.class);
    /** Identical predictions give identical R²; this only absorbs summation-order noise. */
    private static final double EPSILON = 1e-9;

    private final double tolerance;
    private AccuracyModel loaded;

    PublishGate(double tolerance) {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("publish tolerance must be finite and >= 0, was " + tolerance);
        }
        this.tolerance = tolerance;
    }

    PublishDecision judge(FitResult candidate, ModelVersion current) {
        if (current == null) {
            release();
            return PublishDecision.uncontested("no current version");
        }
        if (current.layoutVersion() != FeatureLayout.VERSION) {
            release();
            return PublishDecision.uncontested("current version " + current.version() + " is of feature layout "
                    + current.layoutVersion() + ", not " + FeatureLayout.VERSION);
        }
        AccuracyModel model;
        try {
            model = load(current);
        } catch (IllegalArgumentException e) {
            LOG.warn("current model version {} does not load, replacing it: {}", current.version(), e.getMessage());
            return PublishDecision.uncontested("current version " + current.version() + " does not load");
        }
        HoldoutMetrics cur = AccuracyModelFitter.evaluate(model, candidate);
        HoldoutMetrics cand = candidate.holdout();
        boolean publish = !(cand.r2() < cur.r2() - tolerance - EPSILON);
        String reason = String.format(Locale.ROOT, "candidate R² %.4f vs current v%d R² %.4f on the same %d held-out runs",
                cand.r2(), current.version(), cur.r2(), cur.runs());
        if (tolerance > 0) {
            reason += String.format(Locale.ROOT, " (tolerance %.4f)", tolerance);
        }
        return new PublishDecision(publish, cur, reason);
    }

    /** The current version's booster, loaded on first use and reused while the version stays current. */
    private AccuracyModel load(ModelVersion current) {
        if (loaded != null && loaded.version().equals(current)) {
            return loaded;
        }
        release();
        loaded = AccuracyModel.load(current);
        return loaded;
    }

    private void release() {
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }

    /** The version whose booster is loaded (tests: the cache and its replacement). */
    ModelVersion loadedVersion() {
        return loaded == null ? null : loaded.version();
    }

    @Override
    public void close() {
        release();
    }
}
