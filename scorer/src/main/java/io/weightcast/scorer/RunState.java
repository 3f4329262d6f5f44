package io.weightcast.scorer;

import io.weightcast.core.records.RunEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the scorer remembers per run (the run store, changelogged): facts from the runs topic and the
 * policies' memory, so an alert is raised once per run and kind (each policy says when it escalates).
 *
 * @param raised         alert kind → magnitude it was last raised at
 * @param lowStreak      judged checkpoints in a row counted against the run by the early-stop policy (under the top-run
 *                       rule, stages of training in a row: checkpoints of one stage count once)
 * @param lastJudgedStep the last step the early-stop policy counted (replays and duplicates do not count twice)
 * @param spectralSeen   per layer, what its spectra have shown so far (bits of the spectral-collapse policy)
 * @param finishedAt     when its {@code finished} event was written (the record's timestamp, ms), 0 while it runs:
 *                       the run store forgets a run {@code scorer.run.retention.ms} after it finished
 * @param lowStage       the top-run rule's stage (0-based) of the streak's last counted checkpoint; null when the streak
 *                       is 0, counts checkpoints (the interval rule), or the state predates it
 */
public record RunState(String study, Integer plannedSteps, boolean finished, Map<String, Double> raised,
                       int lowStreak, long lastJudgedStep, Map<String, Integer> spectralSeen, long finishedAt,
                       Integer lowStage) {

    public RunState {
        raised = raised == null ? Map.of() : Map.copyOf(raised);
        spectralSeen = spectralSeen == null ? Map.of() : Map.copyOf(spectralSeen);
    }

    public static RunState empty() {
        return new RunState(null, null, false, Map.of(), 0, -1, Map.of(), 0, null);
    }

    /** @param timestamp the event record's timestamp (ms): when a {@code finished} event says the run ended */
    public RunState apply(RunEvent event, long timestamp) {
        String s = event.study() != null ? event.study() : study;
        Integer planned = event.plannedSteps() != null ? event.plannedSteps() : plannedSteps;
        long ended = finishedAt == 0 && event.isFinished() ? Math.max(1, timestamp) : finishedAt;
        return new RunState(s, planned, finished || event.isFinished(), raised, lowStreak, lastJudgedStep, spectralSeen, ended, lowStage);
    }

    /** Whether the run finished before {@code cutoffMs} (then the store may forget it). */
    public boolean finishedBefore(long cutoffMs) {
        return finished && finishedAt > 0 && finishedAt < cutoffMs;
    }

    public RunState withSpectralSeen(Map<String, Integer> seen) {
        return new RunState(study, plannedSteps, finished, raised, lowStreak, lastJudgedStep, seen, finishedAt, lowStage);
    }

    /** The magnitude {@code kind} was last raised at, or null if it never was. */
    public Double raisedAt(String kind) {
        return raised.get(kind);
    }

    public RunState withRaised(String kind, double magnitude) {
        Map<String, Double> r = new LinkedHashMap<>(raised);
        r.put(kind, magnitude);
        return new RunState(study, plannedSteps, finished, r, lowStreak, lastJudgedStep, spectralSeen, finishedAt, lowStage);
    }

    /** @param stage the top-run rule's stage of the checkpoint just counted, or null */
    public RunState withStreak(int streak, long step, Integer stage) {
        return new RunState(study, plannedSteps, finished, raised, streak, step, spectralSeen, finishedAt, stage);
    }
}
