package io.weightcast.streams;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint record → feature vector. Split checkpoints wait in a changelogged store until every
 * part of their (run, step) arrived. Anything that cannot be decoded goes to the dead-letter
 * child with its reason; nothing here throws, so one bad record never stops the stream thread.
 */
final class CheckpointProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProcessor.class);

    static final String FEATURES = "features-sink";
    static final String DEAD_LETTERS = "dead-letters-sink";

    private final String partsStoreName;
    private final StreamsMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> parts;

    CheckpointProcessor(String partsStoreName, StreamsMetrics metrics) {
        this.partsStoreName = partsStoreName;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.parts = context.getStateStore(partsStoreName);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long t0 = System.nanoTime();
        metrics.parts.inc();
        metrics.bytes.inc(record.value() == null ? 0 : record.value().length);
        try {
            SafeTensors file = SafeTensors.read(record.value());
            CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), record.key());
            SafeTensors whole = meta.parts() == 1 ? file : collect(record, meta);
            if (whole == null) {
                return; // more parts to come
            }
            FeatureVector features = FeatureExtractor.extract(whole, meta, record.timestamp());
            if (features.values()[FeatureLayout.indexOf("layer_count")] == 0) {
                deadLetter(record, "no_layers", "checkpoint has no weight layer (no floating-point tensor with >= 2 dims)");
                return;
            }
            context.forward(record.withKey(meta.runId()).withValue(features), FEATURES);
            metrics.processed.inc();
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

    /** Stores this part; returns the merged checkpoint once all parts of (run, step) are in, else null. */
    private SafeTensors collect(Record<String, byte[]> record, CheckpointMetadata meta) {
        String prefix = meta.runId() + '\u0000' + meta.step() + '\u0000';
        parts.put(prefix + String.format("%06d", meta.part()), record.value());
        List<KeyValue<String, byte[]>> received = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(received::add);
        }
        if (received.size() < meta.parts()) {
            return null;
        }
        List<SafeTensors> files = new ArrayList<>();
        for (KeyValue<String, byte[]> kv : received) {
            files.add(SafeTensors.read(kv.value));
            parts.delete(kv.key);
        }
        return CheckpointParts.merge(files);
    }

    private void deadLetter(Record<String, byte[]> record, String category, String reason) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        DeadLetter letter = DeadLetters.of("streams", source, record.key(), record.value(), reason);
        context.forward(record.withValue(letter), DEAD_LETTERS);
        metrics.deadLetters.labelValues(category).inc();
        LOG.info("dead-lettered a checkpoint of run {}: {}", record.key(), reason);
    }
}
