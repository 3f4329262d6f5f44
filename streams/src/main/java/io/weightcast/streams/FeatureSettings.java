package io.weightcast.streams;

import io.weightcast.core.config.Settings;

/**
 * The feature topology's time limits ({@link StreamsKeys#PARTS_TTL_MS}, {@link StreamsKeys#CURVE_TTL_MS},
 * {@link StreamsKeys#METRICS_WAIT_MS}, {@link StreamsKeys#DEDUP_WINDOW_MS}).
 */
record FeatureSettings(long partsTtlMs, long curveTtlMs, long metricsWaitMs, long dedupWindowMs) {
    /** Default {@code streams.metrics.wait.ms}: a loop sends a step's metrics event within moments of its checkpoint. */
    static final long DEFAULT_METRICS_WAIT_MS = StreamsKeys.METRICS_WAIT_MS.defaultValue();

    static final FeatureSettings DEFAULTS = new FeatureSettings(CheckpointAssembler.DEFAULT_TTL_MS, MetricHistory.DEFAULT_TTL_MS,
            DEFAULT_METRICS_WAIT_MS, DuplicateCheckpoints.DEFAULT_WINDOW_MS);

    FeatureSettings {
        CheckpointAssembler.checkedTtl(partsTtlMs);
        MetricHistory.checkedTtl(curveTtlMs);
        StreamsKeys.METRICS_WAIT_MS.checked(metricsWaitMs);
        StreamsKeys.DEDUP_WINDOW_MS.checked(dedupWindowMs);
    }

    static FeatureSettings from(Settings settings) {
        return new FeatureSettings(settings.get(StreamsKeys.PARTS_TTL_MS), settings.get(StreamsKeys.CURVE_TTL_MS),
                settings.get(StreamsKeys.METRICS_WAIT_MS), settings.get(StreamsKeys.DEDUP_WINDOW_MS));
    }
}
