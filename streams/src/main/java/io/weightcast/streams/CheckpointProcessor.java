package io.weightcast.streams;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.store.ClaimCheckException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint record → feature vector, with the spectra inline when the checkpoint is small
 * ({@link SpectraStage}). Split checkpoints wait in a changelogged store until every part of their
 * (run, step) arrived; each run's reported metrics per step wait in another ({@link MetricHistory}),
 * for the learning-curve section of the next checkpoints' vectors. What the run declared on the {@code runs}
 * topic ({@link RunContext}: the {@code started} event's study, planned steps and hyper-parameters, the
 * {@code metrics} events of its steps) fills in what the checkpoint's metadata lacks. A checkpoint without metrics
 * of its step, of a run that sends them by event, is held ({@link HeldFeatures}) until its event comes
 * ({@link RunEventProcessor} releases it) or {@code streams.metrics.wait.ms} passes. A byte-identical copy of a
 * record that passed within {@code streams.dedup.window.ms} is a producer's retry and is dropped
 * ({@link DuplicateCheckpoints}). A reference record's checkpoint is read from the store ({@link CheckpointSource}); one
 * outside the read roots, missing, or whose size or SHA-256 differs is a dead letter ({@code ref_refused},
 * {@code ref_missing}, {@code ref_mismatch}, {@code ref_unreadable}). Anything that cannot be
 * decoded goes to the dead-letter child with its reason; nothing here throws, so one bad record never stops the
 * stream thread.
 */
final class CheckpointProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProcessor.class);

    static final String FEATURES = "features-sink";
    static final String DEAD_LETTERS = "dead-letters-sink";

    private final long partsTtlMs;
    private final long curveTtlMs;
    private final long metricsWaitMs;
    private final long dedupWindowMs;
    private final StreamsMetrics metrics;
    private final SpectraStage spectra;
    private final EmbeddingStage embeddings;
    private final UnreadHyperparameters unreadHparams;
    private final CheckpointSource source;
    private ProcessorContext<String, Object> context;
    private CheckpointAssembler assembler;
    private MetricHistory history;
    private RunContexts runs;
    private HeldFeatures held;
    private DuplicateCheckpoints copies;

    CheckpointProcessor(FeatureTopology.Options options) {
        this.partsTtlMs = options.limits().partsTtlMs();
        this.curveTtlMs = options.limits().curveTtlMs();
        this.metricsWaitMs = options.limits().metricsWaitMs();
        this.dedupWindowMs = options.limits().dedupWindowMs();
        this.metrics = options.metrics();
        this.spectra = options.spectra();
        this.embeddings = options.embeddings();
        this.unreadHparams = new UnreadHyperparameters(metrics);
        this.source = new CheckpointSource(options.references(), metrics, "features");
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.assembler = new CheckpointAssembler(context.getStateStore(FeatureTopology.PARTS_STORE), partsTtlMs);
        context.schedule(assembler.expiryInterval(), PunctuationType.STREAM_TIME, this::expireParts);
        this.history = new MetricHistory(context.getStateStore(FeatureTopology.HISTORY_STORE), curveTtlMs);
        this.runs = new RunContexts(context.getStateStore(FeatureTopology.RUNS_STORE), curveTtlMs);
        context.schedule(history.expiryInterval(), PunctuationType.STREAM_TIME, this::expireRuns);
        this.held = new HeldFeatures(context.getStateStore(FeatureTopology.HELD_STORE));
        this.copies = new DuplicateCheckpoints(context.getStateStore(FeatureTopology.DEDUP_STORE), dedupWindowMs);
        if (metricsWaitMs > 0) {
            context.schedule(Duration.ofMillis(Math.max(20, Math.min(250, metricsWaitMs / 4))), PunctuationType.WALL_CLOCK_TIME,
                    this::releaseOverdue);
        }
    }

    private void expireRuns(long streamTime) {
        int histories = history.expire(streamTime);
        int contexts = runs.expire(streamTime);
        if (histories + contexts > 0) {
            LOG.info("forgot the metric history of {} and the declarations of {} run(s) idle for streams.curve.ttl.ms ({} ms)",
                    histories, contexts, curveTtlMs);
        }
    }

    /** Held vectors whose wait ran out go out without their step's metrics; their runs are no longer waited on. */
    private void releaseOverdue(long now) {
        for (FeatureVector v : held.due(now)) {
            runs.put(v.runId(), runs.get(v.runId()).metricsNotByEvent());
            context.forward(new Record<String, Object>(v.runId(), v, v.checkpointTimestamp()), FEATURES);
            metrics.held.labelValues("timeout").inc();
            LOG.info("run {} step {}: no metrics event within streams.metrics.wait.ms ({} ms); its features went out without "
                    + "them, and its next checkpoints will not wait", v.runId(), v.step(), metricsWaitMs);
        }
    }

    /** Incomplete split checkpoints past the TTL: every part they got goes to dead-letters with the reason. */
    private void expireParts(long streamTime) {
        for (CheckpointAssembler.Expired e : assembler.expire(streamTime)) {
            String reason = String.format(Locale.ROOT, "split checkpoint of run %s step %d incomplete: %d of %d parts arrived "
                    + "within streams.parts.ttl.ms (%d ms) of the first; the parts that came are attached, one letter each",
                    e.runId(), e.step(), e.parts().size(), e.expectedParts(), partsTtlMs);
            for (byte[] part : e.parts()) {
                DeadLetter letter = DeadLetters.of("streams", null, e.runId(), part, reason);
                context.forward(new Record<String, Object>(e.runId(), letter, streamTime), DEAD_LETTERS);
            }
            metrics.deadLetters.labelValues("incomplete_parts").inc();
            LOG.warn("dead-lettered {}", reason);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long t0 = System.nanoTime();
        metrics.parts.inc();
        metrics.bytes.inc(record.value() == null ? 0 : record.value().length);
        try {
            SafeTensors file = SafeTensors.read(record.value());
            CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), record.key());
            Optional<CheckpointReference> ref = CheckpointSource.reference(file);
            if (copies.repeated(meta, record.value(), record.timestamp())) {
                metrics.duplicates.labelValues("features").inc();
                LOG.debug("run {} step {} part {}: a copy of a record that passed already (a producer's retry), dropped",
                        meta.runId(), meta.step(), meta.part());
                return;
            }
            if (ref.isPresent()) {
                try (CheckpointSource.Referenced stored = source.open(ref.get(), file, record.key())) {
                    analyse(record, stored.tensors(), stored.metadata(), t0);
                }
                return;
            }
            SafeTensors whole = assembler.offer(file, record.value(), meta, record.timestamp());
            if (whole != null) { // else more parts to come
                analyse(record, whole, meta, t0);
            }
        } catch (ClaimCheckException e) {
            deadLetter(record, e.problem().label(), e.problem().label() + ": " + e.getMessage());
        } catch (SafeTensorsFormatException e) {
            deadLetter(record, "safetensors", e.getMessage());
        } catch (MalformedRecordException e) {
            deadLetter(record, "metadata", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("unexpected failure on a checkpoint of run {}", record.key(), e);
            deadLetter(record, "error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A whole checkpoint (inline, reassembled, or referenced) → its features record, held or forwarded. */
    private void analyse(Record<String, byte[]> record, SafeTensors whole, CheckpointMetadata meta, long t0) {
        RunContext run = runs.get(meta.runId());
        CheckpointMetadata full = meta.withRunDeclarations(run.study(), run.plannedSteps(), run.hparams(), run.metricsAt(meta.step()));
        FeatureVector features = FeatureExtractor.extract(whole, full, record.timestamp(), inlineSpectra(whole, full),
                history.before(full.runId(), full.step()));
        if (features.values()[FeatureLayout.indexOf("layer_count")] == 0) {
            deadLetter(record, "no_layers", "checkpoint has no weight layer (no floating-point tensor with >= 2 dims)");
            return;
        }
        history.record(full.runId(), full.step(), full.metrics(), record.timestamp());
        runs.touch(full.runId(), run, record.timestamp());
        FeatureVector out = features.withEmbedding(embedding(whole, full));
        if (metricsWaitMs > 0 && full.metrics().isEmpty() && run.awaitsMetricEvents()) {
            held.hold(out, context.currentSystemTimeMs() + metricsWaitMs); // RunEventProcessor releases it with its metrics
            metrics.held.labelValues("held").inc();
        } else {
            context.forward(record.withKey(full.runId()).withValue(out), FEATURES);
        }
        metrics.processed.inc();
        unreadHparams.check(full);
        metrics.featureSeconds.observe((System.nanoTime() - t0) / 1e9);
    }

    /**
     * The spectra when this checkpoint gets them inline, else null (deferred to the spectra topic, or off).
     * A failure here costs the spectra, never the features record.
     */
    private Map<String, LayerSpectralHealth> inlineSpectra(SafeTensors whole, CheckpointMetadata meta) {
        SpectraStage.Path path = spectra.path(whole);
        metrics.spectra.labelValues(path.name().toLowerCase(Locale.ROOT)).inc();
        if (path != SpectraStage.Path.INLINE) {
            return null;
        }
        long t0 = System.nanoTime();
        try {
            return spectra.compute(whole, null);
        } catch (RuntimeException e) {
            metrics.spectraFailures.inc();
            LOG.warn("spectra of run {} step {} failed; its features go out without them: {}", meta.runId(), meta.step(), e.toString());
            return null;
        } finally {
            metrics.spectraSeconds.labelValues("inline").observe((System.nanoTime() - t0) / 1e9);
        }
    }

    /** z of the current encoder, or null; like the spectra, a failure costs the embedding, never the features record. */
    private Embedding embedding(SafeTensors whole, CheckpointMetadata meta) {
        long t0 = System.nanoTime();
        EmbeddingStage.Result r;
        try {
            r = embeddings.embed(whole);
        } catch (RuntimeException e) {
            LOG.warn("embedding of run {} step {} failed; its features go out without it: {}", meta.runId(), meta.step(), e.toString());
            r = new EmbeddingStage.Result(EmbeddingStage.Outcome.FAILED, null);
        }
        metrics.embeddings.labelValues(r.outcome().name().toLowerCase(Locale.ROOT)).inc();
        if (r.outcome() == EmbeddingStage.Outcome.EMBEDDED) {
            metrics.embeddingSeconds.observe((System.nanoTime() - t0) / 1e9);
        }
        return r.embedding();
    }

    private void deadLetter(Record<String, byte[]> record, String category, String reason) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        DeadLetter letter = DeadLetters.of("streams", source, record.key(), record.value(), reason);
        context.forward(record.withValue(letter), DEAD_LETTERS);
        metrics.deadLetters.labelValues(category).inc();
        LOG.info("dead-lettered a checkpoint of run {}: {}", record.key(), reason);
    }
}
