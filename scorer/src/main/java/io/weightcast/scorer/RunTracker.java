package io.weightcast.scorer;

import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs topic → the run store: study, planned steps, finished. Emits only dead letters.
 *
 * <p>The store would otherwise hold every run ever: every {@link #SWEEP} of wall-clock time it deletes the runs that
 * finished more than the retention ago (the {@code finished} record's timestamp).
 */
final class RunTracker implements Processor<String, byte[], String, Emitted> {
    static final long DEFAULT_RETENTION_MS = Duration.ofDays(7).toMillis();
    static final Duration SWEEP = Duration.ofMinutes(10);

    private final ScorerMetrics metrics;
    private final long retentionMs;
    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<String, RunState> runs;

    RunTracker(ScorerMetrics metrics, long retentionMs) {
        this.metrics = metrics;
        this.retentionMs = retentionMs;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.runs = context.getStateStore(ScoringTopology.RUN_STORE);
        context.schedule(SWEEP, PunctuationType.WALL_CLOCK_TIME, this::forgetFinishedRuns);
    }

    /** Deletes the runs that finished before {@code now - retention}; their deletes go to the changelog as tombstones. */
    private void forgetFinishedRuns(long now) {
        long cutoff = now - retentionMs;
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, RunState> all = runs.all()) {
            while (all.hasNext()) {
                KeyValue<String, RunState> e = all.next();
                if (e.value != null && e.value.finishedBefore(cutoff)) {
                    expired.add(e.key);
                }
            }
        }
        expired.forEach(runs::delete);
        metrics.runsExpired(expired.size());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RunEvent event;
        try {
            event = RunEvent.read(record.value()); // also the JSON literal null (`weightcast safety` found it as an NPE)
        } catch (MalformedRecordException e) {
            metrics.deadLetter("malformed_run_event");
            context.forward(record.withValue(Emitted.of(DeadLetters.of(context, record, e.getMessage()))));
            return;
        }
        String runId = record.key() != null ? record.key() : event.runId();
        if (runId == null) {
            metrics.deadLetter("malformed_run_event");
            context.forward(record.withValue(Emitted.of(DeadLetters.of(context, record, "run event has no run_id and no key"))));
            return;
        }
        if (event.runId() != null && !event.runId().isBlank() && !event.runId().equals(runId)) {
            // as streams and ingest: the contract keys a run's records by its id, so which run is meant is unknown
            metrics.deadLetter("malformed_run_event");
            context.forward(record.withValue(Emitted.of(DeadLetters.of(context, record,
                    "run event's run_id '" + event.runId() + "' differs from its key '" + runId + "'"))));
            return;
        }
        RunState before = runs.get(runId);
        RunState after = (before == null ? RunState.empty() : before).apply(event, record.timestamp());
        runs.put(runId, after);
        if (event.isFinished()) {
            metrics.runFinished(runId);
        }
    }
}
