package io.weightcast.streams;

import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.StatefulProcessorSupplier;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.store.ClaimChecks;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * checkpoints + runs → features (and dead-letters). The Processor API rather than the DSL because a
 * split checkpoint must be held in a store until its last part arrives, a run's reported metrics
 * in another for the next checkpoints' learning curve, a checkpoint whose step's metrics come later in a
 * run event in a third until they do, and because records are decoded inside the processor (as raw bytes at
 * the source), so a malformed one becomes a dead-letter with its reason instead of a deserialization failure.
 * The {@code runs} topic joins by run id through shared stores: both topics are keyed by run id and
 * co-partitioned, so a run's events and checkpoints meet in one task, and Kafka Streams processes the two
 * sources in timestamp order (an event sent before a checkpoint is applied before it). A reference record (claim check,
 * design §10) is resolved in the processor too ({@link CheckpointSource}), so a missing or altered file is a dead letter.
 */
public final class FeatureTopology {
    static final String PARTS_STORE = "checkpoint-parts";
    static final String HISTORY_STORE = "metric-history";
    static final String RUNS_STORE = "run-context";
    static final String HELD_STORE = "held-features";
    static final String DEDUP_STORE = "checkpoint-copies";

    private FeatureTopology() {
    }

    /**
     * What the topology is built from; {@link #of} has the defaults (no spectra, no embeddings, default time limits, every
     * reference refused).
     *
     * @param spectra    decides which checkpoints get their spectra inline (the others on {@link SpectraTopology})
     * @param embeddings joins the current encoder's z to checkpoints of its architecture
     * @param limits     the time limits of split checkpoints, run histories and held vectors
     * @param references where referenced checkpoints (claim checks) may be read from
     */
    public record Options(Topics topics, StreamsMetrics metrics, SpectraStage spectra, EmbeddingStage embeddings,
                          FeatureSettings limits, ClaimChecks references) {
        public static Options of(Topics topics, StreamsMetrics metrics) {
            return new Options(topics, metrics, SpectraStage.off(), EmbeddingStage.off(), FeatureSettings.DEFAULTS, ClaimChecks.none());
        }

        public Options withSpectra(SpectraStage stage) {
            return new Options(topics, metrics, stage, embeddings, limits, references);
        }

        public Options withEmbeddings(EmbeddingStage stage) {
            return new Options(topics, metrics, spectra, stage, limits, references);
        }

        public Options withLimits(FeatureSettings settings) {
            return new Options(topics, metrics, spectra, embeddings, settings, references);
        }

        public Options withReferences(ClaimChecks checks) {
            return new Options(topics, metrics, spectra, embeddings, limits, checks);
        }
    }

    public static Topology build(Options options) {
        Topics topics = options.topics();
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
        topology.addSource("runs", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.runs());
        // the run stores are shared: both processors bring the same builders
        StoreBuilder<?> history = store(HISTORY_STORE);
        StoreBuilder<?> runs = store(RUNS_STORE);
        StoreBuilder<?> held = store(HELD_STORE);
        topology.addProcessor("features", StatefulProcessorSupplier.of(() -> new CheckpointProcessor(options),
                store(PARTS_STORE), history, runs, held, DuplicateCheckpoints.store(DEDUP_STORE, options.limits().dedupWindowMs())),
                "checkpoints");
        topology.addProcessor("run-events", StatefulProcessorSupplier.of(() -> new RunEventProcessor(options.metrics(), options.limits()),
                history, runs, held), "runs");
        topology.addSink(CheckpointProcessor.FEATURES, topics.features(), Serdes.String().serializer(), json, "features", "run-events");
        topology.addSink(CheckpointProcessor.DEAD_LETTERS, topics.deadLetters(), Serdes.String().serializer(), json, "features");
        return topology;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray());
    }
}
