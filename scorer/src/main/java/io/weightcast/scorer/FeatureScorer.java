package io.weightcast.scorer;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.Score;
import io.weightcast.scorer.policy.Checkpoint;
import io.weightcast.scorer.policy.Policies;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Features topic → one {@link Score} per feature vector, plus the alerts the policies raise.
 * Decodes from bytes itself so an undecodable record becomes a dead letter in the same transaction
 * as everything else, and the next record is scored as usual.
 */
final class FeatureScorer implements Processor<String, byte[], String, Emitted> {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureScorer.class);

    private final ModelCache models;
    private final Policies policies;
    private final ScorerMetrics metrics;
    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<String, RunState> runs;

    FeatureScorer(ModelCache models, Policies policies, ScorerMetrics metrics) {
        this.models = models;
        this.policies = policies;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.runs = context.getStateStore(ScoringTopology.RUN_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        FeatureVector fv;
        try {
            fv = decode(record);
        } catch (MalformedRecordException e) {
            reject(record, "malformed_feature_vector", e.getMessage());
            return;
        }
        RunState stored = runs.get(fv.runId());
        RunState run = stored == null ? RunState.empty() : stored;
        long now = context.currentSystemTimeMs();
        Scored scored;
        try {
            scored = score(fv, run, now);
        } catch (RuntimeException e) {
            // A bug must not stop scoring: thrown here, the record would be retried forever after each thread replacement.
            LOG.error("scoring {} step {} failed", fv.runId(), fv.step(), e);
            reject(record, "scoring_failed", "scoring failed: " + e);
            return;
        }
        runs.put(fv.runId(), scored.judgement().run());
        context.forward(new Record<>(fv.runId(), Emitted.of(scored.score()), record.timestamp()));
        metrics.scored(fv.checkpointTimestamp(), now);
        if (scored.score().predictedFinalAccuracy() != null && !run.finished()) {
            metrics.predicted(fv.runId(), scored.score().study(), scored.score().predictedFinalAccuracy(), scored.score().interval());
        }
        for (Alert alert : scored.judgement().alerts()) {
            context.forward(new Record<>(fv.runId(), Emitted.of(alert), record.timestamp()));
            metrics.alert(alert.kind());
        }
    }

    private record Scored(Score score, Policies.Judgement judgement) {
    }

    /** The pure part: prediction, policies, the score. */
    private Scored score(FeatureVector fv, RunState run, long now) {
        String study = fv.study() != null ? fv.study() : run.study();
        Integer planned = fv.plannedSteps() != null ? fv.plannedSteps() : run.plannedSteps();
        Prediction prediction = models.predict(fv);
        Policies.Judgement judgement = policies.apply(new Checkpoint(fv, study, planned, prediction, now), run);
        Score score = new Score(fv.runId(), fv.step(), planned, study, prediction.value(), prediction.interval(),
                prediction.intervals(), prediction.modelVersion(), judgement.flags(), fv.layoutVersion(),
                fv.checkpointTimestamp(), now, prediction.note());
        return new Scored(score, judgement);
    }

    private void reject(Record<String, byte[]> record, String category, String reason) {
        metrics.deadLetter(category);
        context.forward(record.withValue(Emitted.of(DeadLetters.of(context, record, reason))));
    }

    /** The feature vector, with the record key as run id when the value lacks one. */
    private static FeatureVector decode(Record<String, byte[]> record) {
        FeatureVector fv = Json.read(record.value(), FeatureVector.class);
        if (fv.values() == null) {
            throw new MalformedRecordException("feature vector has no values");
        }
        if (fv.runId() == null || fv.runId().isBlank()) {
            if (record.key() == null) {
                throw new MalformedRecordException("feature vector has no run_id and no key");
            }
            fv = new FeatureVector(record.key(), fv.step(), fv.plannedSteps(), fv.study(), fv.activation(),
                    fv.layoutVersion(), fv.values(), fv.health(), fv.checkpointTimestamp(), fv.computedAt());
        }
        return fv;
    }
}
