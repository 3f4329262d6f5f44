package io.weightcast.scorer.http;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.Score;
import java.util.List;
import java.util.Map;

/**
 * The payloads of the live event stream ({@code GET /v1/events}), JSON in snake_case like the topics.
 * Every change carries the run's whole new {@link Row}, so a client replaces the row instead of
 * merging fields and cannot drift from the server.
 */
public final class LiveMessages {
    private LiveMessages() {
    }

    /** One run as the live page's table shows it; prediction fields are null before a model scored the run. */
    public record Row(String runId, String study, Integer plannedSteps, Long step, Double predictedFinalAccuracy,
                      Interval interval, Integer modelVersion, boolean finished, Double finalAccuracy, int alerts,
                      Alert lastAlert) {

        static Row of(String runId, String study, Integer plannedSteps, Score latest, boolean finished, Double finalAccuracy,
                      int alerts, Alert lastAlert) {
            return new Row(runId, study, plannedSteps, latest == null ? null : latest.step(),
                    latest == null ? null : latest.predictedFinalAccuracy(), latest == null ? null : latest.interval(),
                    latest == null ? null : latest.modelVersion(), finished, finalAccuracy, alerts, lastAlert);
        }
    }

    /** Event {@code snapshot}: the whole table, the newest model version seen, the latest alerts (newest first). */
    public record Snapshot(Integer modelVersion, List<Row> runs, List<Alert> alerts) {
    }

    /** Event {@code score}: a committed score and the run's row after it. */
    public record ScoreChange(Row run, Score score) {
    }

    /** Event {@code alert}: a committed alert and the run's row after it. */
    public record AlertRaised(Row run, Alert alert) {
    }

    /** Event {@code run}: a run event ({@code type} started, metrics or finished) and the run's row after it. */
    public record RunChange(Row run, String type, Long step, Map<String, Double> metrics) {
    }
}
