package io.weightcast.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run declared on the {@code runs} topic, for its checkpoints' features: the {@code started} event's
 * study, planned steps and hyper-parameters, and the {@code metrics} events of its recent steps (all their
 * metrics: the reported-metrics section, the curve and the measured dead fractions read them). With these a
 * producer that follows only the contract, hyper-parameters in {@code started} and metrics in {@code metrics}
 * events, gets the features the Python client's checkpoints carry in their metadata.
 *
 * @param started        a {@code started} event was seen
 * @param metricsByEvent whether the run reports its metrics in {@code metrics} events: true once one came, false
 *                       once a checkpoint waited for its step's event in vain, null before either
 * @param recentMetrics  per step, what its {@code metrics} events reported: the {@value #MAX_STEPS} steps reported
 *                       most recently, in that order
 * @param updatedAt      stream time of the last record of the run that touched this context (for expiry)
 */
record RunContext(boolean started, String study, Integer plannedSteps, Map<String, Object> hparams, Boolean metricsByEvent,
                  LinkedHashMap<Long, Map<String, Double>> recentMetrics, long updatedAt) {
    /** Steps whose event metrics are kept: a checkpoint arrives within a few steps of its metrics, or never. */
    static final int MAX_STEPS = 32;

    static final RunContext NONE = new RunContext(false, null, null, Map.of(), null, new LinkedHashMap<>(), Long.MIN_VALUE);

    RunContext {
        hparams = hparams == null ? Map.of() : hparams;
        recentMetrics = recentMetrics == null ? new LinkedHashMap<>() : recentMetrics;
    }

    /** The {@code started} event's declarations (a repeated event replaces them, field by field when present). */
    RunContext started(String s, Integer planned, Map<String, Object> declared, long timestamp) {
        Map<String, Object> h = new LinkedHashMap<>(hparams);
        if (declared != null) {
            declared.forEach((k, v) -> {
                if (v instanceof Number || v instanceof String || v instanceof Boolean) { // as in checkpoint metadata
                    h.put(k, v);
                }
            });
        }
        return new RunContext(true, s != null ? s : study, planned != null ? planned : plannedSteps, h, metricsByEvent,
                recentMetrics, later(timestamp));
    }

    /** A {@code metrics} event of {@code step}: merged with what earlier events said of that step. */
    RunContext withMetrics(long step, Map<String, Double> metrics, long timestamp) {
        LinkedHashMap<Long, Map<String, Double>> recent = new LinkedHashMap<>(recentMetrics);
        Map<String, Double> merged = new LinkedHashMap<>(recent.getOrDefault(step, Map.of()));
        metrics.forEach((k, v) -> {
            if (v != null && Double.isFinite(v)) {
                merged.put(k, v);
            }
        });
        recent.remove(step); // re-inserted last: the least recently reported steps go first, whatever their number
        recent.put(step, merged);
        var eldest = recent.keySet().iterator();
        while (recent.size() > MAX_STEPS) {
            eldest.next();
            eldest.remove();
        }
        return new RunContext(started, study, plannedSteps, hparams, true, recent, later(timestamp));
    }

    /** A checkpoint waited for its step's metrics event in vain: stop waiting on this run until one comes. */
    RunContext metricsNotByEvent() {
        return new RunContext(started, study, plannedSteps, hparams, false, recentMetrics, updatedAt);
    }

    RunContext touched(long timestamp) {
        return new RunContext(started, study, plannedSteps, hparams, metricsByEvent, recentMetrics, later(timestamp));
    }

    /** What the run's events reported for {@code step}; empty when nothing. */
    Map<String, Double> metricsAt(long step) {
        return recentMetrics.getOrDefault(step, Map.of());
    }

    /**
     * Whether a checkpoint that came without metrics of its step should wait for them: the run reports by event, or
     * it declared itself in a {@code started} event and has not yet shown either way (a producer that uses run events
     * for its declarations may well send its metrics the same way, after the checkpoint).
     */
    @JsonIgnore
    boolean awaitsMetricEvents() {
        return Boolean.TRUE.equals(metricsByEvent) || (metricsByEvent == null && started);
    }

    @JsonIgnore
    boolean isNone() {
        return updatedAt == Long.MIN_VALUE;
    }

    private long later(long timestamp) {
        return Math.max(updatedAt, timestamp); // a late record does not age the run
    }
}
