package io.weightcast.streams;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.RunEvent;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code runs} topic → each run's {@link RunContext} and {@link MetricHistory}, so what a producer declares in
 * run events counts like the same values in checkpoint metadata (design §4): {@code started} gives study, planned
 * steps and hyper-parameters; {@code metrics} gives a step's metrics, releasing the checkpoint held for them
 * ({@link HeldFeatures}) with its metric sections filled in; {@code finished} releases what is still held for the
 * run (no metrics will follow). An event that does not decode is counted and skipped: the scorer, which reads the
 * same topic, dead-letters it with its reason.
 */
final class RunEventProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(RunEventProcessor.class);

    private final StreamsMetrics metrics;
    private final long curveTtlMs;
    private ProcessorContext<String, Object> context;
    private MetricHistory history;
    private RunContexts runs;
    private HeldFeatures held;

    RunEventProcessor(StreamsMetrics metrics, FeatureSettings settings) {
        this.metrics = metrics;
        this.curveTtlMs = settings.curveTtlMs();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.history = new MetricHistory(context.getStateStore(FeatureTopology.HISTORY_STORE), curveTtlMs);
        this.runs = new RunContexts(context.getStateStore(FeatureTopology.RUNS_STORE), curveTtlMs);
        this.held = new HeldFeatures(context.getStateStore(FeatureTopology.HELD_STORE));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RunEvent event;
        try {
            event = RunEvent.read(record.value());
        } catch (RuntimeException e) {
            metrics.runEvents.labelValues("malformed").inc();
            LOG.debug("skipping a run event of run {} that does not decode: {}", record.key(), e.getMessage());
            return;
        }
        String runId = event.runId() != null && !event.runId().isBlank() ? event.runId() : record.key();
        if (runId == null || (record.key() != null && !record.key().equals(runId))) {
            metrics.runEvents.labelValues("malformed").inc();
            return;
        }
        metrics.runEvents.labelValues(event.type()).inc();
        RunContext run = runs.get(runId);
        switch (event.type()) {
            case RunEvent.STARTED -> runs.put(runId, run.started(event.study(), event.plannedSteps(), event.hparams(), record.timestamp()));
            case RunEvent.METRICS -> onMetrics(runId, run, event.step(), event, record.timestamp());
            default -> release(held.takeRun(runId), "finished"); // finished: nothing more will come for what is held
        }
    }

    /**
     * The step's metrics wait in the run's context for its checkpoint, which records them in the metric history (so
     * the curve has one entry per checkpoint, however often a loop logs); a checkpoint already seen gets them now:
     * released with them when held, else in the history for its successors' curves.
     */
    private void onMetrics(String runId, RunContext run, long step, RunEvent event, long timestamp) {
        RunContext updated = run.withMetrics(step, event.metrics(), timestamp);
        runs.put(runId, updated);
        FeatureVector waiting = held.take(runId, step);
        if (waiting != null || history.has(runId, step)) {
            history.record(runId, step, updated.metricsAt(step), timestamp);
        }
        if (waiting != null) {
            FeatureVector complete = FeatureExtractor.withReportedMetrics(waiting, updated.metricsAt(step), history.before(runId, step));
            release(List.of(complete), "metrics");
        }
    }

    private void release(List<FeatureVector> vectors, String reason) {
        for (FeatureVector v : vectors) {
            context.forward(new Record<String, Object>(v.runId(), v, v.checkpointTimestamp()), CheckpointProcessor.FEATURES);
            metrics.held.labelValues(reason).inc();
        }
    }
}
