package io.weightcast.trainer;

/**
 * A consistent view of the trainer for tests and ops, refreshed by the poll thread after each batch.
 *
 * @param currentVersion version of the current accuracy model, 0 when none
 * @param caughtUp       the start-up replay of features, runs and models has reached the end
 */
public record ZooSnapshot(
        int zooRuns, int runsSeen, int featureVectors, int currentVersion,
        long fitsPublished, long fitsRejected, long fitsFailed, boolean caughtUp) {

    static final ZooSnapshot EMPTY = new ZooSnapshot(0, 0, 0, 0, 0, 0, 0, false);
}
