package io.weightcast.streams;

import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.StatefulProcessorSupplier;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.store.ClaimChecks;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * checkpoints → spectra (and dead-letters): the deferred spectral worker. A topology of its own,
 * run as a second Kafka Streams application (own application id, consumer group and threads) next
 * to {@link FeatureTopology}, because one topology cannot read the checkpoints topic twice and
 * because the point is that its slow work runs on other threads than the features path.
 */
public final class SpectraTopology {
    static final String PARTS_STORE = "spectra-checkpoint-parts";
    static final String DEDUP_STORE = "spectra-checkpoint-copies";
    static final String JOBS_STORE = "spectra-jobs";

    private SpectraTopology() {
    }

    public static Topology build(Topics topics, StreamsMetrics metrics, SpectraStage stage, ForkJoinPool pool) {
        return build(topics, metrics, stage, pool, FeatureSettings.DEFAULTS, ClaimChecks.none());
    }

    /**
     * @param limits as {@link FeatureTopology}'s: incomplete split checkpoints older than its parts TTL are dropped, and
     *               copies of a checkpoint within its dedup window are not analysed twice
     * @param references where referenced checkpoints may be read from (as the features path's)
     */
    static Topology build(Topics topics, StreamsMetrics metrics, SpectraStage stage, ForkJoinPool pool, FeatureSettings limits,
                          ClaimChecks references) {
        Serializer<Object> json = new Serializer<>() {
            private final Serializer<SpectralSummary> spectra = JsonSerde.of(SpectralSummary.class).serializer();
            private final Serializer<DeadLetter> letters = JsonSerde.of(DeadLetter.class).serializer();

            @Override
            public byte[] serialize(String topic, Object value) {
                return value instanceof DeadLetter d ? letters.serialize(topic, d) : spectra.serialize(topic, (SpectralSummary) value);
            }
        };
        Topology topology = new Topology();
        topology.addSource("checkpoints", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.checkpoints());
        topology.addProcessor("spectra", StatefulProcessorSupplier.of(() -> new SpectraProcessor(List.of(PARTS_STORE, DEDUP_STORE, JOBS_STORE),
                        metrics, stage, pool, limits, references),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PARTS_STORE), Serdes.String(), Serdes.ByteArray()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOBS_STORE), Serdes.String(), Serdes.ByteArray()),
                DuplicateCheckpoints.store(DEDUP_STORE, limits.dedupWindowMs())), "checkpoints");
        topology.addSink(SpectraProcessor.SPECTRA, topics.spectra(), Serdes.String().serializer(), json, "spectra");
        topology.addSink(SpectraProcessor.DEAD_LETTERS, topics.deadLetters(), Serdes.String().serializer(), json, "spectra");
        return topology;
    }
}
