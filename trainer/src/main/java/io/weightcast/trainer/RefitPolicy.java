package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;

/**
 * When to fit: once the zoo has {@code minRuns} members, then every {@code refitEvery} new members
 * since the last fit (published or rejected alike). After a restart the baseline is the zoo size
 * the current model was fit on (its training plus holdout runs), so replaying the topics does not
 * refit, or republish, what is already published. A model of another feature layout sets no
 * baseline: the first fit replaces it. A failed fit keeps the baseline and is retried when the
 * zoo next grows (not in a tight loop on the same data). Not thread-safe: poll thread only.
 */
public final class RefitPolicy {
    private final int minRuns;
    private final int refitEvery;
    private int baseline = -1;
    private int failedAt = -1;

    public RefitPolicy(int minRuns, int refitEvery) {
        this.minRuns = minRuns;
        this.refitEvery = refitEvery;
    }

    /** Sets the baseline from the model already published (null: none). */
    public void resumeFrom(ModelVersion current) {
        baseline = current == null || current.layoutVersion() != FeatureLayout.VERSION || current.holdout() == null
                ? -1
                : current.trainingRuns() + current.holdout().runs();
    }

    public boolean due(int zooSize) {
        if (zooSize < minRuns || zooSize == failedAt) {
            return false;
        }
        return baseline < 0 || zooSize - baseline >= refitEvery;
    }

    /** A fit ran to a decision (published or rejected) on {@code zooSize} runs. */
    public void fitted(int zooSize) {
        baseline = zooSize;
        failedAt = -1;
    }

    /** A fit threw on {@code zooSize} runs; try again once the zoo changes. */
    public void failed(int zooSize) {
        failedAt = zooSize;
    }

    public int baseline() {
        return baseline;
    }
}
