package io.weightcast.app.load;

import java.util.List;
import java.util.Map;

/**
 * What {@code weightcast bench} writes to {@code bench/results/e2e-*.json} (snake_case through
 * {@code Json.MAPPER}). Rates are checkpoints per second, latencies milliseconds.
 */
public record BenchReport(
        String bench,
        String startedAt,
        String finishedAt,
        double wallSeconds,
        Machine machine,
        Config settings,
        PhaseResult warmup,
        List<PhaseResult> results,
        Totals totals,
        List<String> notes) {

    /** Where it ran. */
    public record Machine(int cores, String cpuModel, long memoryBytes, long maxHeapBytes, String javaVersion,
                          String javaVm, String os) {
    }

    /** How it ran. */
    public record Config(
            String mode,
            String via,
            String target,
            List<Double> rates,
            double secondsPerRate,
            double drainSeconds,
            int runs,
            long parameters,
            int checkpointBytes,
            int maxInFlight,
            String runPrefix,
            String topicPrefix,
            Map<String, String> pipelineSettings) {
    }

    /** Exact nearest-rank percentiles of three latencies. */
    public record Latencies(
            /* scored_at − the checkpoint record's timestamp: what the pipeline itself adds */
            LatencyRecorder.Summary recordToScore,
            /* send call → the score read by a read_committed consumer: what a user waits */
            LatencyRecorder.Summary sendToScoreSeen,
            /* send call → Kafka ack (or the gateway's 202) */
            LatencyRecorder.Summary sendToAck) {
    }

    /** One load step. */
    public record PhaseResult(
            String name,
            Double offeredRate,
            double seconds,
            double sendWindowSeconds,
            long sent,
            long acked,
            long sendErrors,
            String firstError,
            Double achievedProduceRate,
            long scored,
            Double scoredRate,
            Double scoredDuringSendRate,
            long missing,
            long duplicates,
            long deadLetters,
            long alerts,
            long backlogAtStart,
            boolean drained,
            double drainSeconds,
            boolean keptUp,
            Latencies latencyMs,
            PipelineProbe.Cpu cpuDuringSend,
            PipelineProbe.Cpu cpuWholePhase,
            Map<String, PipelineProbe.HistogramDelta> serviceHistograms,
            Map<String, Double> txnCommitSeconds,
            Map<String, Map<String, Double>> kafkaMetrics) {
    }

    /** Over the whole bench, counted at its end. */
    public record Totals(
            long sent,
            long acked,
            long scored,
            long duplicates,
            long missing,
            long unmatchedScores,
            long deadLetters,
            boolean everyCheckpointScoredOnce,
            Double maxSustainedRate,
            Double maxScoredRate,
            String saturation) {
    }
}
