package io.weightcast.core.records;

import java.util.Map;

/** A value of the {@code alerts} topic (design §4). */
public record Alert(
        String runId,
        long step,
        String kind,
        String severity,
        Map<String, Object> evidence,
        Integer modelVersion,
        String study,
        long raisedAt) {

    public static final String EARLY_STOP_CANDIDATE = "EARLY_STOP_CANDIDATE";
    public static final String DYING_RELU = "DYING_RELU";
    public static final String NONFINITE_WEIGHTS = "NONFINITE_WEIGHTS";
    public static final String SPECTRAL_COLLAPSE = "SPECTRAL_COLLAPSE";
}
