package io.weightcast.scorer;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.scorer.policy.Outcome;
import io.weightcast.scorer.policy.SpectralCollapsePolicy;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Spectra topic → SPECTRAL_COLLAPSE alerts for large checkpoints, whose spectra arrive after their
 * score (small checkpoints are judged with their features in {@link FeatureScorer}). Shares the run
 * store, so a run's spectral memory is one, whichever way its spectra came. Progress records (a large checkpoint's
 * layers so far) are not judged; the final record is.
 */
final class SpectraJudge implements Processor<String, byte[], String, Emitted> {
    private final SpectralCollapsePolicy policy;
    private final boolean raise;
    private final ScorerMetrics metrics;
    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<String, RunState> runs;

    /** @param raise whether SPECTRAL_COLLAPSE alerts are raised (else the run's spectral state is kept, nothing sent) */
    SpectraJudge(SpectralCollapsePolicy policy, boolean raise, ScorerMetrics metrics) {
        this.policy = policy;
        this.raise = raise;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.runs = context.getStateStore(ScoringTopology.RUN_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SpectralSummary s;
        try {
            s = Json.read(record.value(), SpectralSummary.class);
            if (s.runId() == null && record.key() == null) {
                throw new MalformedRecordException("spectral summary has no run_id and no key");
            }
        } catch (MalformedRecordException e) {
            metrics.deadLetter("malformed_spectral_summary");
            context.forward(record.withValue(Emitted.of(DeadLetters.of(context, record, e.getMessage()))));
            return;
        }
        if (!s.complete()) {
            return; // a long analysis's progress: the layers so far are not the checkpoint's spectra yet
        }
        String runId = s.runId() != null ? s.runId() : record.key();
        RunState stored = runs.get(runId);
        RunState run = stored == null ? RunState.empty() : stored;
        long now = context.currentSystemTimeMs();
        String study = s.study() != null ? s.study() : run.study();
        Outcome o = policy.judge(s.layers(), run,
                (severity, evidence) -> new Alert(runId, s.step(), Alert.SPECTRAL_COLLAPSE, severity, evidence, null, study, now));
        runs.put(runId, o.run());
        if (o.alert() != null && raise) { // weight health: raised for finished runs too (see Policies)
            context.forward(new Record<>(runId, Emitted.of(o.alert()), record.timestamp()));
            metrics.alert(o.alert().kind());
        }
    }
}
