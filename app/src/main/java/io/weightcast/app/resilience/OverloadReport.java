package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchReport;
import io.weightcast.app.load.LatencyRecorder;
import java.util.List;
import java.util.Map;

/**
 * What {@code weightcast overload} writes to {@code bench/results/overload-<time>.json}: three phases
 * (baseline, overload, after) of HTTP checkpoint load on the ingest gateway, what the gateway answered,
 * its memory, and how long after the overload the latencies were back to the baseline's. Score times are
 * the scores' own {@code scored_at}; {@code scoreReadLagMs} is how late the harness read them.
 */
record OverloadReport(String bench, String startedAt, String finishedAt, double wallSeconds, BenchReport.Machine machine,
                      String loadAverageAtStart, String loadAverageAtEnd, Config config, List<Phase> phases,
                      Memory ingestMemory, Recovery recovery, LatencyRecorder.Summary scoreReadLagMs, List<Window> windows,
                      List<Sample> samples, List<String> notes) {

    record Config(double warmupSeconds, double baselineRate, double baselineSeconds, double offeredRate, double overloadSeconds, double afterSeconds,
                  int clientMaxInFlight, long checkpointBytes, int runs, Map<String, String> ingestSettings,
                  List<String> processes, List<String> jvmOptions) {
    }

    /**
     * One phase. {@code sent}: requests started; {@code skippedAtClient}: due but not sent because the
     * client's own in-flight cap was full (the offered rate was not reached); {@code statuses}: HTTP status
     * → count ("error:<exception>" when no response); {@code retryAfter}: Retry-After value → count over the
     * 429s; latencies of accepted (202) and refused (429) requests; {@code scoreLatencyMs}: send → first
     * score of the accepted ones (read_committed).
     */
    record Phase(String name, double offeredRate, double seconds, long sent, long skippedAtClient, double sentRate,
                 long accepted, double acceptedRate, long rejected429, Map<String, Long> statuses, Map<String, Long> retryAfter,
                 LatencyRecorder.Summary acceptedLatencyMs, LatencyRecorder.Summary rejectedLatencyMs,
                 LatencyRecorder.Summary scoreLatencyMs, long unscored) {
    }

    /**
     * The ingest JVM: RSS from /proc, heap in use from jstat (garbage included); -1 when unreadable.
     * {@code heapAfterGcBytes}: in use after a full GC at the very end (jcmd GC.run), i.e. what stayed live.
     */
    record Memory(long maxHeapBytes, long rssBaselineBytes, long rssMaxDuringOverloadBytes, long rssAtEndBytes,
                  long heapBaselineBytes, long heapMaxDuringOverloadBytes, long heapAtEndBytes, long heapAfterGcBytes,
                  long maxInflightRequests, long maxInflightBytes) {
    }

    /**
     * Seconds after the overload ended until the per-second p99 (by send time) stayed within the bound for
     * {@code stableWindows} windows in a row: ingest's 202 latency, and send → score. Null: never within the run.
     */
    record Recovery(double boundFactor, int stableWindows, Double baselineAcceptedP99Ms, Double acceptedP99RecoveredAfterSeconds,
                    Double baselineScoreP99Ms, Double scoreP99RecoveredAfterSeconds, Double backlogScoredAfterSeconds) {
    }

    /** One second of sends: counts and p99s (null without samples). {@code t}: seconds from the first send. */
    record Window(int t, String phase, long sent, long accepted, long rejected429, long errors, Double acceptedP99Ms,
                  Double scoreP99Ms) {
    }

    /** The ingest process once a second (heap every few seconds: jstat is a JVM start). */
    record Sample(double t, String phase, long rssBytes, Long heapUsedBytes, Double inflightRequests, Double inflightBytes) {
    }
}
