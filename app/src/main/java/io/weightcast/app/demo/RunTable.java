package io.weightcast.app.demo;

import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.Score;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Renders the demo's progress line and live table of runs. */
final class RunTable {
    private static final int MAX_ROWS = 24;

    private RunTable() {
    }

    static String status(PipelineMonitor m, int requested, double checkpointsPerSecond, double elapsed) {
        ModelVersion model = m.model();
        String modelText = model == null ? "model: none yet"
                : "model v" + model.version() + (model.holdout() == null ? "" : " (" + model.holdout().describe() + ")");
        return String.format(Locale.ROOT,
                "[%5.0fs] runs %d/%d started, %d finished · checkpoints %d (%.1f/s) · features %d · scores %d (%d with model) · %s · alerts %s · dead letters %d",
                elapsed, m.runs().size(), requested, m.runsFinished(), m.checkpoints(), checkpointsPerSecond, m.features(),
                m.scores(), m.scoresWithModel(), modelText, m.alertsByKind(), m.deadLetters());
    }

    static void print(PrintStream out, PipelineMonitor m) {
        List<PipelineMonitor.RunView> runs = m.runs();
        out.printf(Locale.ROOT, "%-26s %6s %7s %15s %6s %7s  %s%n", "RUN", "STEP", "PRED", "80% INTERVAL", "MODEL", "FINAL", "ALERTS");
        int from = Math.max(0, runs.size() - MAX_ROWS);
        if (from > 0) {
            out.printf("... %d earlier runs%n", from);
        }
        for (PipelineMonitor.RunView v : runs.subList(from, runs.size())) {
            Score s = v.lastScore;
            String step = s == null ? "-" : s.step() + "/" + (s.plannedSteps() == null ? "?" : s.plannedSteps());
            String pred = s == null || s.predictedFinalAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.3f", s.predictedFinalAccuracy());
            String interval = s == null || s.interval() == null ? "-"
                    : String.format(Locale.ROOT, "[%.2f, %.2f]", s.interval().low(), s.interval().high());
            String model = s == null || s.modelVersion() == null ? "-" : "v" + s.modelVersion();
            String fin = v.finalAccuracy == null ? (v.finished ? "?" : "running") : String.format(Locale.ROOT, "%.3f", v.finalAccuracy);
            out.printf(Locale.ROOT, "%-26s %6s %7s %15s %6s %7s  %s%n", truncate(v.runId, 26), step, pred, interval, model, fin,
                    v.alerts.isEmpty() ? "" : v.alerts.keySet());
        }
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
