package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchReport;
import java.util.List;
import java.util.Map;

/**
 * What {@code weightcast safety} writes to {@code bench/results/safety-<time>.json} (snake_case keys). The load
 * averages (/proc/loadavg at start and end) say how busy the shared machine was. {@code passed} is false when any
 * expectation failed; {@code failures} says which.
 */
record SafetyReport(String bench, String startedAt, String finishedAt, double wallSeconds, BenchReport.Machine machine,
                    String loadAverageAtStart, String loadAverageAtEnd, Config config, double startupSeconds,
                    IngestFuzz.Result ingestFuzz, KafkaFuzz.Result kafkaFuzz, Duplicates duplicates, Liveness liveness,
                    Map<String, Heap> heap, boolean passed, List<String> failures, List<String> notes) {

    /** How the run was set up; {@code seed} reproduces every input. */
    record Config(int fuzzCheckpoints, int fuzzEvents, int kafkaCheckpoints, int kafkaEvents, int kafkaModels, int duplicates,
                  long seed, List<String> jvmOptions, int partitions, List<String> processes, String runPrefix,
                  List<String> checkpointMutations, List<String> eventMutations, List<String> modelMutations,
                  Map<String, String> settings) {
    }

    /**
     * Valid checkpoints sent twice over HTTP with one {@code Idempotency-Key} and once more byte-identically to Kafka:
     * the statuses of the first and second requests, how many second requests were answered by replay
     * ({@code Idempotent-Replayed}), and the features records per (run_id, step) on the features topic.
     */
    record Duplicates(int checkpoints, Map<String, Long> firstStatuses, Map<String, Long> secondStatuses, long replayed,
                      long kafkaResent, long featureRecords, long duplicates, long missing, List<String> examples) {
    }

    /** After everything: each process's /ready (broker: its admin API), alive, started once; a fresh run scored. */
    record Liveness(Map<String, Boolean> ready, Map<String, Boolean> alive, Map<String, Integer> starts, boolean freshRunScored,
                    Double freshRunScoreSeconds) {
    }

    /**
     * Heap in use of one JVM (survivor + eden + old, as jstat -gc counts it), with the -Xmx it ran under; {@code samples}
     * over the whole run, {@code jstatSamples} of them taken with jstat because the perf-data file was unreadable.
     */
    record Heap(String xmx, long peakBytes, long finalBytes, double peakMib, double finalMib, int samples, int jstatSamples,
                int failedSamples) {
    }
}
