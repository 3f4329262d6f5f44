package io.weightcast.streams;

import io.weightcast.core.config.Settings;

/**
 * The feature topology's time limits.
 *
 * @param partsTtlMs    {@code streams.parts.ttl.ms}: stream time a split checkpoint's parts may take to all arrive
 *                      before the ones that came are dead-lettered
 * @param curveTtlMs    {@code streams.curve.ttl.ms}: stream time without a record of a run after which its metric
 *                      history and run context are forgotten
 * @param metricsWaitMs {@code streams.metrics.wait.ms}: wall-clock time a checkpoint that came without metrics of its
 *                      step waits for its {@code metrics} run event (0: never waits)
 */
record FeatureSettings(long partsTtlMs, long curveTtlMs, long metricsWaitMs) {
    /** Default {@code streams.metrics.wait.ms}: a loop sends a step's metrics event within moments of its checkpoint. */
    static final long DEFAULT_METRICS_WAIT_MS = 2_000L;

    static final FeatureSettings DEFAULTS = new FeatureSettings(CheckpointAssembler.DEFAULT_TTL_MS, MetricHistory.DEFAULT_TTL_MS,
            DEFAULT_METRICS_WAIT_MS);

    FeatureSettings {
        CheckpointAssembler.checkedTtl(partsTtlMs);
        MetricHistory.checkedTtl(curveTtlMs);
        if (metricsWaitMs < 0) {
            throw new IllegalArgumentException("streams.metrics.wait.ms must be >= 0, was " + metricsWaitMs);
        }
    }

    static FeatureSettings from(Settings settings) {
        return new FeatureSettings(settings.getLong("streams.parts.ttl.ms", CheckpointAssembler.DEFAULT_TTL_MS),
                settings.getLong("streams.curve.ttl.ms", MetricHistory.DEFAULT_TTL_MS),
                settings.getLong("streams.metrics.wait.ms", DEFAULT_METRICS_WAIT_MS));
    }
}
