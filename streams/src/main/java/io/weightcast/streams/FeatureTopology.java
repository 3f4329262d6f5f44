package io.weightcast.streams;

import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * checkpoints → features (and dead-letters). The Processor API rather than the DSL because a
 * split checkpoint must be held in a store until its last part arrives, a run's reported metrics
 * in another for the next checkpoints' learning curve, and because records are
 * decoded inside the processor (as raw bytes at the source), so a malformed one becomes a
 * dead-letter with its reason instead of a deserialization failure.
 */
public final class FeatureTopology {
    static final String PARTS_STORE = "checkpoint-parts";
    static final String HISTORY_STORE = "metric-history";

    private FeatureTopology() {
    }

    public static Topology build(Topics topics, StreamsMetrics metrics) {
        return build(topics, metrics, SpectraStage.off(), EmbeddingStage.off());
    }

    public static Topology build(Topics topics, StreamsMetrics metrics, SpectraStage spectra) {
        return build(topics, metrics, spectra, EmbeddingStage.off());
    }

    /**
     * @param spectra    decides which checkpoints get their spectra inline (the others on {@link SpectraTopology})
     * @param embeddings joins the current encoder's z to checkpoints of its architecture
     */
    static Topology build(Topics topics, StreamsMetrics metrics, SpectraStage spectra, EmbeddingStage embeddings) {
        return build(topics, metrics, spectra, embeddings, CheckpointAssembler.DEFAULT_TTL_MS, MetricHistory.DEFAULT_TTL_MS);
    }

    /**
     * @param partsTtlMs stream time a split checkpoint's parts may take to arrive before they are dead-lettered
     * @param curveTtlMs stream time without a checkpoint after which a run's metric history is forgotten
     */
    static Topology build(Topics topics, StreamsMetrics metrics, SpectraStage spectra, EmbeddingStage embeddings, long partsTtlMs,
                          long curveTtlMs) {
        Serializer<Object> json = new Serializer<>() {
            private final Serializer<FeatureVector> features = JsonSerde.of(FeatureVector.class).serializer();
            private final Serializer<DeadLetter> letters = JsonSerde.of(DeadLetter.class).serializer();

            @Override
            public byte[] serialize(String topic, Object value) {
                return value instanceof DeadLetter d ? letters.serialize(topic, d) : features.serialize(topic, (FeatureVector) value);
            }
        };
        Topology topology = new Topology();
        topology.addSource("checkpoints", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.checkpoints());
        topology.addProcessor("features", () -> new CheckpointProcessor(PARTS_STORE, HISTORY_STORE, metrics, spectra, embeddings,
                partsTtlMs, curveTtlMs), "checkpoints");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PARTS_STORE), Serdes.String(), Serdes.ByteArray()), "features");
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(HISTORY_STORE), Serdes.String(), Serdes.ByteArray()), "features");
        topology.addSink(CheckpointProcessor.FEATURES, topics.features(), Serdes.String().serializer(), json, "features");
        topology.addSink(CheckpointProcessor.DEAD_LETTERS, topics.deadLetters(), Serdes.String().serializer(), json, "features");
        return topology;
    }
}
