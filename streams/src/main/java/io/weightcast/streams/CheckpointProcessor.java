package io.weightcast.streams;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import io.weightcast.core.records.LayerSpectralHealth;
import java.util.Locale;
import java.util.Map;
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
 * for the learning-curve section of the next checkpoints' vectors. Anything that cannot be decoded goes to the dead-letter
 * child with its reason; nothing here throws, so one bad record never stops the stream thread.
 */
final class CheckpointProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProcessor.class);

    static final String FEATURES = "features-sink";
    static final String DEAD_LETTERS = "dead-letters-sink";

    private final String partsStoreName;
    private final String historyStoreName;
    private final long partsTtlMs;
    private final long curveTtlMs;
    private final StreamsMetrics metrics;
    private final SpectraStage spectra;
    private final EmbeddingStage embeddings;
    private final UnreadHyperparameters unreadHparams;
    private ProcessorContext<String, Object> context;
    private CheckpointAssembler assembler;
    private MetricHistory history;

    CheckpointProcessor(String partsStoreName, String historyStoreName, StreamsMetrics metrics, SpectraStage spectra,
                        EmbeddingStage embeddings, long partsTtlMs, long curveTtlMs) {
        this.partsStoreName = partsStoreName;
        this.historyStoreName = historyStoreName;
        this.partsTtlMs = partsTtlMs;
        this.curveTtlMs = curveTtlMs;
        this.metrics = metrics;
        this.spectra = spectra;
        this.embeddings = embeddings;
        this.unreadHparams = new UnreadHyperparameters(metrics);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.assembler = new CheckpointAssembler(context.getStateStore(partsStoreName), partsTtlMs);
        context.schedule(assembler.expiryInterval(), PunctuationType.STREAM_TIME, this::expireParts);
        this.history = new MetricHistory(context.getStateStore(historyStoreName), curveTtlMs);
        context.schedule(history.expiryInterval(), PunctuationType.STREAM_TIME, this::expireHistories);
    }

    private void expireHistories(long streamTime) {
        int forgotten = history.expire(streamTime);
        if (forgotten > 0) {
            LOG.info("forgot the metric history of {} run(s) without a checkpoint for streams.curve.ttl.ms ({} ms)", forgotten, curveTtlMs);
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
            SafeTensors whole = assembler.offer(file, record.value(), meta, record.timestamp());
            if (whole == null) {
                return; // more parts to come
            }
            FeatureVector features = FeatureExtractor.extract(whole, meta, record.timestamp(), inlineSpectra(whole, meta),
                    history.before(meta.runId(), meta.step()));
            if (features.values()[FeatureLayout.indexOf("layer_count")] == 0) {
                deadLetter(record, "no_layers", "checkpoint has no weight layer (no floating-point tensor with >= 2 dims)");
                return;
            }
            history.record(meta.runId(), meta.step(), meta.metrics(), record.timestamp());
            context.forward(record.withKey(meta.runId()).withValue(features.withEmbedding(embedding(whole, meta))), FEATURES);
            metrics.processed.inc();
            unreadHparams.check(meta);
            metrics.featureSeconds.observe((System.nanoTime() - t0) / 1e9);
        } catch (SafeTensorsFormatException e) {
            deadLetter(record, "safetensors", e.getMessage());
        } catch (MalformedRecordException e) {
            deadLetter(record, "metadata", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("unexpected failure on a checkpoint of run {}", record.key(), e);
            deadLetter(record, "error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
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
