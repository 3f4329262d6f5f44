package io.weightcast.scorer;

import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Runs topic → the run store: study, planned steps, finished. Emits only dead letters. */
final class RunTracker implements Processor<String, byte[], String, Emitted> {
    private final ScorerMetrics metrics;
    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<String, RunState> runs;

    RunTracker(ScorerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.runs = context.getStateStore(ScoringTopology.RUN_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RunEvent event;
        try {
            event = Json.read(record.value(), RunEvent.class).validate();
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
        RunState before = runs.get(runId);
        RunState after = (before == null ? RunState.empty() : before).apply(event);
        runs.put(runId, after);
        if (event.isFinished()) {
            metrics.runFinished(runId);
        }
    }
}
