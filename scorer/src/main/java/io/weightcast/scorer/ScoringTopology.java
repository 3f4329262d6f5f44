package io.weightcast.scorer;

import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.StatefulProcessorSupplier;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.Score;
import io.weightcast.scorer.policy.Policies;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The scorer's Kafka Streams topology:
 * <pre>
 * models   ──▶ global store "models" (every instance reads the one compacted partition) ─▶ live model
 * runs     ──▶ track-runs     ──┐  run store (study, planned steps, finished, alert memory)
 * features ──▶ score-features ──┤──▶ scores, alerts; undecodable input ──▶ dead-letters
 * spectra  ──▶ judge-spectra  ──┘    (spectra of large checkpoints, after their score: alerts only)
 * </pre>
 * Inputs are consumed as bytes and decoded in the processors: a bad record becomes a dead letter
 * written in the same exactly-once transaction, and the stream thread never sees a deserialization error.
 * runs, features and spectra share the run store, so they must be co-partitioned (same partition count, keyed by run id).
 */
public final class ScoringTopology {
    public static final String MODEL_STORE = "models";
    public static final String RUN_STORE = "runs";

    private ScoringTopology() {
    }

    public static Topology build(Topics topics, ScorerConfig config, ModelCache models, ScorerMetrics metrics,
                                 DeadLetterSink modelDeadLetters) {
        return build(topics, config, models, metrics, modelDeadLetters, RecordSignature.none());
    }

    /** @param signature model records without a valid signature are dead-lettered, never loaded ({@link RecordSignature}) */
    public static Topology build(Topics topics, ScorerConfig config, ModelCache models, ScorerMetrics metrics,
                                 DeadLetterSink modelDeadLetters, RecordSignature signature) {
        return build(topics, config, models, metrics, modelDeadLetters, signature, RunTracker.DEFAULT_RETENTION_MS);
    }

    /** @param runRetentionMs how long the run store keeps a finished run ({@code scorer.run.retention.ms}) */
    public static Topology build(Topics topics, ScorerConfig config, ModelCache models, ScorerMetrics metrics,
                                 DeadLetterSink modelDeadLetters, RecordSignature signature, long runRetentionMs) {
        StreamsBuilder builder = new StreamsBuilder();
        Consumed<String, byte[]> bytes = Consumed.with(Serdes.String(), Serdes.ByteArray());

        // In memory on purpose: the store is rebuilt through ModelUpdater at every start, which reloads the live model.
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(MODEL_STORE), Serdes.String(), JsonSerde.of(ModelVersion.class))
                        .withLoggingDisabled(),
                topics.models(), bytes.withName("models-source"),
                () -> new ModelUpdater(models, metrics, modelDeadLetters, signature));

        // the three processors share the run store: each brings the same builder
        StoreBuilder<?> runs = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RUN_STORE), Serdes.String(),
                JsonSerde.of(RunState.class));

        KStream<String, Emitted> fromRuns = builder.stream(topics.runs(), bytes.withName("runs-source"))
                .process(StatefulProcessorSupplier.of(() -> new RunTracker(metrics, runRetentionMs), runs), Named.as("track-runs"));

        Policies policies = Policies.from(config, models.dyingRelu());
        KStream<String, Emitted> fromFeatures = builder.stream(topics.features(), bytes.withName("features-source"))
                .process(StatefulProcessorSupplier.of(() -> new FeatureScorer(models, policies, metrics), runs), Named.as("score-features"));

        KStream<String, Emitted> fromSpectra = builder.stream(topics.spectra(), bytes.withName("spectra-source"))
                .process(StatefulProcessorSupplier.of(() -> new SpectraJudge(policies.spectral(), policies.raises(Alert.SPECTRAL_COLLAPSE),
                        metrics), runs), Named.as("judge-spectra"));

        KStream<String, Emitted> emitted = fromFeatures.merge(fromRuns, Named.as("emitted-features-runs"))
                .merge(fromSpectra, Named.as("emitted"));
        emitted.filter((run, e) -> e.hasScore(), Named.as("scores"))
                .mapValues(Emitted::score, Named.as("score"))
                .to(topics.scores(), Produced.with(Serdes.String(), JsonSerde.of(Score.class)).withName("scores-sink"));
        emitted.filter((run, e) -> e.hasAlert(), Named.as("alerts"))
                .mapValues(Emitted::alert, Named.as("alert"))
                .to(topics.alerts(), Produced.with(Serdes.String(), JsonSerde.of(Alert.class)).withName("alerts-sink"));
        emitted.filter((run, e) -> e.hasDeadLetter(), Named.as("dead-letters"))
                .mapValues(Emitted::deadLetter, Named.as("dead-letter"))
                .to(topics.deadLetters(), Produced.with(Serdes.String(), JsonSerde.of(DeadLetter.class)).withName("dead-letters-sink"));
        return builder.build();
    }
}
