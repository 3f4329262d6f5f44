package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;

/**
 * When to fit: once the zoo has {@code minRuns} members, then every {@code refitEvery} new members
 * since the last fit (published or rejected alike), or once the members' checkpoints grew by a tenth
 * ({@link #ROW_GROWTH}) since it: a stack started on a topic of finished runs has every run's label at
 * once while streams is still turning their checkpoints into features, so runs join the zoo with some of
 * their checkpoints and a count of runs alone would never refit on the rest. After a restart the baseline is the zoo size
 * the current model was fit on (its training plus holdout runs), so replaying the topics does not
 * refit, or republish, what is already published. A model of another feature layout sets no
 * baseline: the first fit replaces it. A failed fit keeps the baseline and is retried when the
 * zoo next grows (not in a tight loop on the same data). Not thread-safe: poll thread only.
 */
public final class RefitPolicy {
    private final int minRuns;
    private final int refitEvery;
    /** Growth of the members' checkpoints since the last fit that makes a refit due. */
    static final double ROW_GROWTH = 0.1;

    private int baseline = -1;
    private long baselineRows;
    private int failedAt = -1;

    public RefitPolicy(int minRuns, int refitEvery) {
        this.minRuns = minRuns;
        this.refitEvery = refitEvery;
    }

    /** Sets the baseline from the model already published (null: none). */
    public void resumeFrom(ModelVersion current) {
        boolean usable = current != null && current.layoutVersion() == FeatureLayout.VERSION && current.holdout() != null;
        baseline = usable ? current.trainingRuns() + current.holdout().runs() : -1;
        baselineRows = usable ? current.trainingRows() + current.holdout().rows() : 0;
    }

    /** Without the members' checkpoint count (runs alone decide). */
    public boolean due(int zooSize) {
        return due(zooSize, 0);
    }

    /** @param zooCheckpoints the zoo members' checkpoints (feature vectors) */
    public boolean due(int zooSize, long zooCheckpoints) {
        if (zooSize < minRuns || zooSize == failedAt) {
            return false;
        }
        return baseline < 0 || zooSize - baseline >= refitEvery
                || (baselineRows > 0 && zooCheckpoints - baselineRows >= Math.max(1, (long) Math.ceil(baselineRows * ROW_GROWTH)));
    }

    /** A fit ran to a decision (published or rejected) on {@code zooSize} runs. */
    public void fitted(int zooSize) {
        fitted(zooSize, 0);
    }

    /** A fit ran to a decision on {@code zooSize} runs holding {@code zooCheckpoints} checkpoints. */
    public void fitted(int zooSize, long zooCheckpoints) {
        baseline = zooSize;
        baselineRows = zooCheckpoints;
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
