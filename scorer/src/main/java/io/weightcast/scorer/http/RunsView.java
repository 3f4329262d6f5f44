package io.weightcast.scorer.http;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory view of runs for the query API, fed by the committed scores, alerts and run events
 * ({@link RunsViewFeeder}). Holds every run; per run the latest score per step and the last alerts.
 */
public final class RunsView {
    static final int MAX_ALERTS_PER_RUN = 1000;
    static final int MAX_STEPS_PER_RUN = 10_000;

    /** One run in the list: its latest score and how many alerts it raised. */
    public record RunSummary(String runId, String study, Integer plannedSteps, boolean finished, Score latestScore, int alerts) {
    }

    /** One run in full: scores by step and its alerts, oldest first. */
    public record RunDetail(String runId, String study, Integer plannedSteps, boolean finished, List<Score> scores, List<Alert> alerts) {
    }

    private static final class Run {
        String study;
        Integer plannedSteps;
        boolean finished;
        final TreeMap<Long, Score> scores = new TreeMap<>();
        final List<Alert> alerts = new ArrayList<>();
        Score latest;
    }

    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    public void onScore(Score s) {
        Run run = runs.computeIfAbsent(s.runId(), id -> new Run());
        synchronized (run) {
            run.scores.put(s.step(), s);
            if (run.scores.size() > MAX_STEPS_PER_RUN) {
                run.scores.pollFirstEntry();
            }
            if (run.latest == null || s.step() >= run.latest.step()) {
                run.latest = s;
            }
            run.study = s.study() != null ? s.study() : run.study;
            run.plannedSteps = s.plannedSteps() != null ? s.plannedSteps() : run.plannedSteps;
        }
    }

    public void onAlert(Alert a) {
        Run run = runs.computeIfAbsent(a.runId(), id -> new Run());
        synchronized (run) {
            run.alerts.add(a);
            if (run.alerts.size() > MAX_ALERTS_PER_RUN) {
                run.alerts.remove(0);
            }
        }
    }

    public void onRunEvent(String runId, RunEvent e) {
        Run run = runs.computeIfAbsent(runId, id -> new Run());
        synchronized (run) {
            run.study = e.study() != null ? e.study() : run.study;
            run.plannedSteps = e.plannedSteps() != null ? e.plannedSteps() : run.plannedSteps;
            run.finished |= e.isFinished();
        }
    }

    public List<RunSummary> list() {
        List<RunSummary> out = new ArrayList<>();
        runs.forEach((id, run) -> {
            synchronized (run) {
                out.add(new RunSummary(id, run.study, run.plannedSteps, run.finished, run.latest, run.alerts.size()));
            }
        });
        out.sort(Comparator.comparing(RunSummary::runId));
        return out;
    }

    public Optional<RunDetail> run(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            return Optional.empty();
        }
        synchronized (run) {
            return Optional.of(new RunDetail(runId, run.study, run.plannedSteps, run.finished,
                    List.copyOf(run.scores.values()), List.copyOf(run.alerts)));
        }
    }
}
