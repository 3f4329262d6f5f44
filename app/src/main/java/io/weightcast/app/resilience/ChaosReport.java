package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchReport;
import io.weightcast.app.load.LatencyRecorder;
import java.util.List;
import java.util.Map;

/**
 * What {@code weightcast chaos} writes to {@code bench/results/chaos-<kill>-<time>.json}. Times in
 * seconds; {@code *_at_seconds} are counted from the first checkpoint sent. The load averages (from
 * /proc/loadavg) say how busy the machine was: on a shared machine the timings swing with them.
 */
record ChaosReport(String bench, String startedAt, String finishedAt, double wallSeconds, BenchReport.Machine machine,
                   String loadAverageAtStart, String loadAverageAtEnd, Config config, double startupSeconds, double loadSeconds, List<Kill> kills,
                   List<Takeover> takeovers, Map<String, Map<String, List<String>>> assignmentsAtLoadStart,
                   Map<String, Map<String, List<String>>> assignmentsAtEnd, Verification verification, boolean exactlyOnce, List<String> notes) {

    /** /proc/loadavg's 1, 5 and 15 minute averages, or null off Linux. */
    static String loadAverage() {
        return io.weightcast.app.load.BenchMachine.loadAverage();
    }

    /**
     * How the run was set up. {@code warmupCheckpoints} are sent (and verified) before the {@code checkpoints}
     * of the load proper, whose clock starts once the warm-up is scored; the kill fraction counts the latter.
     */
    record Config(List<String> kill, String killMethod, double killAtFraction, double downtimeSeconds, int warmupCheckpoints,
                  int checkpoints,
                  int runs, int concurrentRuns, double offeredRate, int maxInFlight, String via, int partitions,
                  long checkpointBytes, List<String> processes, List<String> jvmOptions, String runPrefix,
                  java.util.Map<String, String> settings, int instances) {
    }

    /**
     * One killed process: when (after how many sends, with how many features and scores already committed:
     * the kill hit a pipeline at work), its exit status (137 = 128 + SIGKILL), when it was started again, how long
     * until it was ready, until the first new record on its output topic ({@code resumedOn}: features for
     * streams, scores for scorer and broker, models for trainer, checkpoints for ingest), and until every
     * checkpoint sent before the restart had its score ({@code recoverySeconds}: the backlog worked off).
     * A scaled-out instance ({@code --instances} above 1) is not restarted: {@code restartAtSeconds}, the times
     * after it and {@code newPid} are null / -1, and its {@link Takeover} says how the survivors took its work.
     */
    record Kill(String target, long pid, int exitStatus, double killAtSeconds, long killAtSent, long featuresAtKill,
                long scoresAtKill, List<Long> modelVersionsAtKill, Double restartAtSeconds,
                Double readySeconds, String resumedOn, Double resumedSeconds, Double recoverySeconds, long newPid) {
    }

    /**
     * A killed instance the others had to replace. {@code assignmentAtKill}: the group's members and their partitions
     * just before the SIGKILL ({@code Admin.describeConsumerGroups}); {@code partitionsOfKilled}: its partitions of the
     * input topic ({@code checkpoints} for streams, {@code features} for the scorer). {@code takeoverSeconds}: from the
     * kill to the first output (a feature's {@code computed_at}, a score's {@code scored_at}) for a record of those
     * partitions, necessarily made by a survivor; {@code firstTakenOver} names that (run, step) and its partition.
     * The group detects the death after the consumer's {@code session.timeout.ms} ({@code sessionTimeoutMs}; static
     * membership: no rebalance before it), which dominates the takeover.
     */
    record Takeover(String killed, String group, String inputTopic, List<Integer> partitionsOfKilled,
                    Map<String, List<String>> assignmentAtKill, double killAtSeconds, Double takeoverSeconds, String firstTakenOver,
                    String sessionTimeoutMs) {
    }

    /**
     * The count, per (run_id, step), of records on the checkpoints, features and scores topics (read_committed,
     * no deduplication). {@code missing}: sent keys lacking a checkpoint record, or with fewer features or scores
     * than checkpoint records. {@code duplicates}: keys with more features or scores than checkpoint records
     * (the pipeline's own duplicates). {@code upstreamDuplicates}: keys with more than one checkpoint record,
     * i.e. sent twice into the topic (only legitimate over HTTP with client retries after an ingest kill).
     * Times of scores are their {@code scored_at}; {@code scoreReadLagMs} is how late the harness read them
     * (its own lag on a busy machine, kept out of the other figures).
     */
    record Verification(long checkpointsSent, long acked, long sendFailures, String firstSendFailure, long httpRetries,
                        long httpRetriesAfterBrokenConnection, long checkpointRecords, long features, long scores,
                        long missing, long missingCheckpoints, long missingFeatures, long missingScores, long duplicates,
                        long duplicateFeatures, long duplicateScores, long upstreamDuplicates, long unexpectedKeys,
                        List<String> examples, long deadLetters, long unreadableRecords, List<Long> modelVersions,
                        long modelVersionProblems, long runEventFailures, double settleSeconds, boolean settled,
                        Double maxScoreGapSeconds, Double maxScoreGapAtSeconds, LatencyRecorder.Summary scoreReadLagMs) {
    }
}
