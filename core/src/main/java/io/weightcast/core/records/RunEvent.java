package io.weightcast.core.records;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A value of the {@code runs} topic (design §4): {@code started}, {@code metrics} or {@code finished}.
 * A {@code finished} event's {@code final.test_accuracy} is the label that makes a run a zoo member.
 */
public record RunEvent(
        String type,
        String runId,
        String study,
        Map<String, Object> hparams,
        Integer plannedSteps,
        Long step,
        Map<String, Double> metrics,
        @JsonProperty("final") Map<String, Double> finalMetrics,
        Long timestamp) {

    public static final String STARTED = "started";
    public static final String METRICS = "metrics";
    public static final String FINISHED = "finished";

    /** A {@code runs} record's value, checked ({@link #validate}); the JSON literal {@code null} is malformed too. */
    public static RunEvent read(byte[] value) {
        RunEvent event = Json.read(value, RunEvent.class);
        if (event == null) {
            throw new MalformedRecordException("run event is the JSON literal null");
        }
        return event.validate();
    }

    public static RunEvent started(String runId, String study, Map<String, Object> hparams, int plannedSteps) {
        return new RunEvent(STARTED, runId, study, hparams, plannedSteps, null, null, null, System.currentTimeMillis());
    }

    public static RunEvent finished(String runId, String study, Map<String, Double> finalMetrics) {
        return new RunEvent(FINISHED, runId, study, null, null, null, null, finalMetrics, System.currentTimeMillis());
    }

    /** Not a field of the event: Jackson would write is-getters as {@code finished}/{@code started} booleans. */
    @JsonIgnore
    public boolean isFinished() {
        return FINISHED.equals(type);
    }

    @JsonIgnore
    public boolean isStarted() {
        return STARTED.equals(type);
    }

    /** The label: final test accuracy, or null when absent or not finite. */
    public Double finalTestAccuracy() {
        if (finalMetrics == null) {
            return null;
        }
        Double v = finalMetrics.get("test_accuracy");
        return v != null && Double.isFinite(v) ? v : null;
    }

    /** Checks the fields the contract requires; throws {@link MalformedRecordException} with the reason. */
    public RunEvent validate() {
        if (type == null || !(type.equals(STARTED) || type.equals(METRICS) || type.equals(FINISHED))) {
            throw new MalformedRecordException("run event type must be started, metrics or finished, was " + type);
        }
        if (type.equals(METRICS) && (step == null || metrics == null)) {
            throw new MalformedRecordException("metrics event needs step and metrics");
        }
        if (type.equals(FINISHED) && finalTestAccuracy() == null) {
            throw new MalformedRecordException("finished event needs final.test_accuracy (a finite number)");
        }
        if (plannedSteps != null && plannedSteps <= 0) {
            throw new MalformedRecordException("planned_steps must be positive, was " + plannedSteps);
        }
        return this;
    }

    public RunEvent withRunId(String id) {
        return new RunEvent(type, id, study, hparams, plannedSteps, step, metrics, finalMetrics, timestamp);
    }
}
