package io.weightcast.app.demo;

import io.weightcast.core.records.ModelVersion;
import java.util.Map;

/**
 * The demo's closing numbers, each counted from what the topics hold (written by {@code --summary}).
 * {@code featuresWithEmbedding}: checkpoints that got the trainer's weight encoder's z in the stream
 * (those after its first encoder); {@code encoderVersion}: the newest encoder, null before the first.
 */
public record DemoSummary(
        String runPrefix,
        int runsRequested,
        long runsStarted,
        long runsFinished,
        long checkpointsPublished,
        long checkpointRecords,
        long features,
        long featuresWithEmbedding,
        Integer encoderVersion,
        long scores,
        long scoresWithModel,
        Map<String, Integer> alerts,
        long deadLetters,
        Integer modelVersion,
        Holdout holdout,
        Latency ingestToScoreSeconds,
        double checkpointsPerSecond,
        double wallSeconds,
        int zooExitCode,
        boolean complete) {

    /**
     * Held-out quality of the current model (final checkpoint of each held-out run); {@code note} says
     * when there are too few held-out runs for the numbers to mean anything (a short demo has a few).
     */
    public record Holdout(Double r2, Double mae, Double kendallTau, Integer runs, String note) {
        static Holdout of(ModelVersion m) {
            return m == null || m.holdout() == null ? new Holdout(null, null, null, null, null)
                    : new Holdout(m.holdout().r2(), m.holdout().mae(), m.holdout().kendallTau(), m.holdout().runs(),
                    m.holdout().tooFewRuns() ? m.holdout().describe() : null);
        }
    }

    public record Latency(Double p50, Double p95, Double p99) {
    }

    static DemoSummary of(PipelineMonitor m, String runPrefix, int requested, double wallSeconds, double zooSeconds,
                          int exitCode, boolean complete) {
        ModelVersion model = m.model();
        return new DemoSummary(runPrefix, requested, m.runs().size(), m.runsFinished(), m.checkpoints(), m.checkpointRecords(),
                m.features(), m.featuresWithEmbedding(), m.encoderVersion(), m.scores(), m.scoresWithModel(), m.alertsByKind(), m.deadLetters(),
                model == null ? null : model.version(), Holdout.of(model),
                new Latency(finite(m.latencyPercentile(0.5)), finite(m.latencyPercentile(0.95)), finite(m.latencyPercentile(0.99))),
                zooSeconds > 0 ? m.checkpoints() / zooSeconds : 0, wallSeconds, exitCode, complete);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
