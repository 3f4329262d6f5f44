package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.TopologyTestDrivers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeatureTopologyTest {
    private final Topics topics = Topics.defaults();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> checkpoints;
    private TestOutputTopic<String, FeatureVector> features;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    private StreamsMetrics metrics;

    /** The testkit's small ReLU MLP with {@code rows} hidden units. */
    private static byte[] checkpoint(String run, int step, int rows) {
        return CheckpointBuilder.mlp(run, step, rows).bytes();
    }

    /** The same, reporting {@code val_acc}. */
    private static byte[] checkpoint(String run, int step, int rows, double valAcc) {
        return CheckpointBuilder.mlp(run, step, rows).meta("metrics", "{\"val_acc\":" + valAcc + "}").bytes();
    }

    @BeforeEach
    void setUp() {
        metrics = new StreamsMetrics();
        driver = TopologyTestDrivers.create(
                FeatureTopology.build(FeatureTopology.Options.of(topics, metrics)), ProductionProperties.features());
        checkpoints = driver.createInputTopic(topics.checkpoints(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        features = driver.createOutputTopic(topics.features(), Serdes.String().deserializer(),
                JsonSerde.of(FeatureVector.class).deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                JsonSerde.of(DeadLetter.class).deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void everyCheckpointBecomesOneFeatureVector() {
        checkpoints.pipeInput("run-1", checkpoint("run-1", 1, 16), 1000L);
        checkpoints.pipeInput("run-1", checkpoint("run-1", 2, 16), 2000L);
        List<FeatureVector> out = features.readValuesToList();
        assertThat(out).extracting(FeatureVector::step).containsExactly(1L, 2L);
        assertThat(out.get(0).runId()).isEqualTo("run-1");
        assertThat(out.get(0).plannedSteps()).isEqualTo(10);
        assertThat(out.get(0).checkpointTimestamp()).isEqualTo(1000L);
        assertThat(out.get(0).values()).hasSize(io.weightcast.core.features.FeatureLayout.size());
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    /**
     * Reference records (claim check) on a service without read roots: refused unread, whatever they point at; one with
     * only some of the reference keys is malformed metadata. Both are dead letters, and the next checkpoint goes through.
     */
    @Test
    void referencesWithoutReadRootsAreRefusedAndIncompleteOnesAreMalformed() {
        String sha = "0f".repeat(32);
        checkpoints.pipeInput("run-r", new io.weightcast.core.records.CheckpointReference(java.net.URI.create("file:///etc/shadow"),
                100, sha).record(java.util.Map.of("run_id", "run-r", "step", "1")), 1000L);
        checkpoints.pipeInput("run-r", CheckpointBuilder.of("run-r", 2).meta("ref_uri", "s3://b/k").bytes(), 2000L);
        checkpoints.pipeInput("run-r", checkpoint("run-r", 3, 16), 3000L);
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::reason).satisfiesExactly(
                r -> assertThat(r).startsWith("ref_refused: ").contains("none configured"),
                r -> assertThat(r).contains("only some"));
        assertThat(features.readValuesToList()).extracting(FeatureVector::step).containsExactly(3L);
        assertThat(metrics.references.labelValues("features", "ref_refused").get()).isEqualTo(1.0);
    }

    /**
     * Issue 21 ("exactly once through HTTP"): a producer's retry of a record the broker already had is a second record to
     * Kafka; streams drops the byte-identical copy within streams.dedup.window.ms, whole or split, and only that.
     */
    @Test
    void aProducersRetryOfACheckpointIsDroppedAndOnlyThat() {
        byte[] step1 = checkpoint("run-d", 1, 16);
        checkpoints.pipeInput("run-d", step1, 1_000L);
        checkpoints.pipeInput("run-d", step1, 4_000L);                 // retried 3 s later
        byte[] redone = checkpoint("run-d", 1, 16, 0.5);               // the same step, other bytes: a run that repeats a step
        checkpoints.pipeInput("run-d", redone, 5_000L);
        checkpoints.pipeInput("run-d", step1, 1_000L + DuplicateCheckpoints.DEFAULT_WINDOW_MS + 1); // after the window
        List<byte[]> parts = io.weightcast.core.safetensors.CheckpointParts.split(checkpoint("run-d", 2, 64), 1_500);
        assertThat(parts.size()).isGreaterThan(1);
        long t = 2 * DuplicateCheckpoints.DEFAULT_WINDOW_MS;
        for (byte[] p : parts) {
            checkpoints.pipeInput("run-d", p, t);
        }
        checkpoints.pipeInput("run-d", parts.get(0), t + 10); // a part again once the checkpoint is whole

        assertThat(features.readValuesToList()).extracting(FeatureVector::step).containsExactly(1L, 1L, 1L, 2L);
        assertThat(metrics.duplicates.labelValues("features").get()).isEqualTo(2.0);
        // the late part copy did not start a group that would expire into an incomplete_parts dead letter
        driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
        checkpoints.pipeInput("run-e", checkpoint("run-e", 1, 16), t + CheckpointAssembler.DEFAULT_TTL_MS + 1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void declaredHyperparametersBecomeColumnsAndTheOnesNoFeatureTakesAreCounted() {
        for (int step = 1; step <= 2; step++) {
            byte[] withHparams = CheckpointBuilder.of("run-h", step).meta("planned_steps", "10").meta("activation", "relu")
                    .meta("hparams", "{\"Learning-Rate\":0.01,\"optimizer.lr\":0.5,\"seed\":3,\"batch_size\":\"big\"}")
                    .weight("fc1", 4, 8, Fill.zeros())
                    .weight("fc2", 2, 4, Fill.zeros())
                    .bytes();
            checkpoints.pipeInput("run-h", withHparams, 1000L * step);
        }
        List<FeatureVector> out = features.readValuesToList();
        assertThat(out).hasSize(2);
        assertThat(out.get(0).values()[io.weightcast.core.features.FeatureLayout.indexOf("hp_log10_learning_rate")])
                .isCloseTo(-2.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(out.get(0).values()[io.weightcast.core.features.FeatureLayout.indexOf("hp_log2_batch_size")]).isNaN();
        // per checkpoint: optimizer.lr and seed are names no feature reads, "big" is no batch size
        assertThat(metrics.hparamsUnread.labelValues("unknown_name").get()).isEqualTo(4.0);
        assertThat(metrics.hparamsUnread.labelValues("bad_value").get()).isEqualTo(2.0);
        assertThat(metrics.processed.get()).isEqualTo(2.0);
    }

    @Test
    void theCurveSectionCarriesTheRunsEarlierStepsAndForgetsIdleRuns() {
        checkpoints.pipeInput("run-7", checkpoint("run-7", 1, 4, 0.2), 1_000L);
        checkpoints.pipeInput("run-7", checkpoint("run-7", 2, 4, 0.5), 2_000L);
        checkpoints.pipeInput("run-8", checkpoint("run-8", 1, 4, 0.9), 2_500L); // another run's history stays apart
        checkpoints.pipeInput("run-7", checkpoint("run-7", 3, 4, 0.4), 3_000L);
        checkpoints.pipeInput("run-7", checkpoint("run-7", 2, 4, 0.55), 3_500L); // step 2 redone: the curve before it only
        List<FeatureVector> out = features.readValuesToList();
        assertThat(out).hasSize(5);
        double[] third = out.get(3).values();
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_best")]).isEqualTo(0.5);
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.5);
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_prev2")]).isEqualTo(0.2);
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_mean3")]).isCloseTo((0.2 + 0.5 + 0.4) / 3, within(1e-12));
        double[] resent = out.get(4).values();
        assertThat(resent[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.2);
        assertThat(resent[FeatureLayout.indexOf("curve_val_acc_prev2")]).isNaN();
        assertThat(out.get(2).values()[FeatureLayout.indexOf("curve_val_acc_prev1")]).isNaN();

        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(FeatureTopology.HISTORY_STORE);
        assertThat(store.get("run-7")).isNotNull();
        checkpoints.pipeInput("run-8", checkpoint("run-8", 2, 4, 0.9), 3_500L + MetricHistory.DEFAULT_TTL_MS + 3_600_000L);
        assertThat(store.get("run-7")).isNull();
        assertThat(store.get("run-8")).isNotNull();
        checkpoints.pipeInput("run-7", checkpoint("run-7", 4, 4, 0.6), 3_500L + MetricHistory.DEFAULT_TTL_MS + 3_600_000L);
        List<FeatureVector> later = features.readValuesToList();
        assertThat(later.get(0).values()[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.9);
        assertThat(later.get(1).values()[FeatureLayout.indexOf("curve_val_acc_prev1")]).isNaN(); // forgotten
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void malformedRecordsAreDeadLetteredAndTheStreamGoesOn() {
        byte[] garbage = "not a checkpoint".getBytes(StandardCharsets.UTF_8);
        checkpoints.pipeInput("run-x", garbage);
        checkpoints.pipeInput("run-y", checkpoint("run-z", 1, 4)); // key and metadata disagree
        checkpoints.pipeInput("run-2", checkpoint("run-2", 1, 4));
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(2);
        assertThat(letters.get(0).reason()).contains("header length");
        assertThat(letters.get(0).sourceTopic()).isEqualTo(topics.checkpoints());
        assertThat(Base64.getDecoder().decode(letters.get(0).valueBase64())).isEqualTo(garbage);
        assertThat(letters.get(1).reason()).contains("differs from record key");
        assertThat(features.readValuesToList()).extracting(FeatureVector::runId).containsExactly("run-2");
        assertThat(metrics.deadLetters.labelValues("safetensors").get()).isEqualTo(1.0);
    }

    @Test
    void splitCheckpointsAreReassembledBeforeFeaturesAreComputed() {
        List<byte[]> parts = CheckpointBuilder.mlp("run-3", 5, 400).parts(8_000);
        assertThat(parts.size()).isGreaterThan(2);
        for (int i = parts.size() - 1; i >= 1; i--) {
            checkpoints.pipeInput("run-3", parts.get(i));
        }
        assertThat(features.isEmpty()).isTrue();
        checkpoints.pipeInput("run-3", parts.get(0));
        FeatureVector merged = features.readValue();
        assertThat(features.isEmpty()).isTrue();

        checkpoints.pipeInput("run-4", checkpoint("run-4", 5, 400));
        FeatureVector direct = features.readValue();
        assertThat(merged.step()).isEqualTo(5);
        assertThat(merged.values()).containsExactly(direct.values());
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void incompleteSplitCheckpointsExpireIntoDeadLettersAndLeaveTheStore() {
        long hour = CheckpointAssembler.DEFAULT_TTL_MS;
        List<byte[]> parts = CheckpointBuilder.mlp("run-5", 7, 400).parts(8_000);
        checkpoints.pipeInput("run-5", parts.get(0), 1_000L);
        checkpoints.pipeInput("run-5", parts.get(1), 2_000L);
        checkpoints.pipeInput("run-6", checkpoint("run-6", 1, 4), 1_000L + hour / 2); // stream time moves, not yet expired
        assertThat(deadLetters.isEmpty()).isTrue();

        checkpoints.pipeInput("run-6", checkpoint("run-6", 2, 4), 1_000L + hour + 60_000L);
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(2);
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.key()).isEqualTo("run-5");
            assertThat(l.reason()).contains("run run-5 step 7 incomplete: 2 of " + parts.size() + " parts");
        });
        assertThat(Base64.getDecoder().decode(letters.get(0).valueBase64())).isEqualTo(parts.get(0));
        assertThat(Base64.getDecoder().decode(letters.get(1).valueBase64())).isEqualTo(parts.get(1));
        assertThat(metrics.deadLetters.labelValues("incomplete_parts").get()).isEqualTo(1.0);
        assertThat(features.readValuesToList()).extracting(FeatureVector::runId).containsExactly("run-6", "run-6");
        org.apache.kafka.streams.state.KeyValueStore<String, byte[]> store = driver.getKeyValueStore(FeatureTopology.PARTS_STORE);
        try (var it = store.all()) {
            assertThat(it.hasNext()).as("parts store empty after expiry").isFalse();
        }

        // a late stray part starts a group of its own, which does not resurrect the checkpoint
        checkpoints.pipeInput("run-5", parts.get(2), 1_000L + hour + 120_000L);
        assertThat(features.isEmpty()).isTrue();
        // and a complete checkpoint leaves nothing behind
        for (byte[] part : CheckpointBuilder.mlp("run-7", 1, 400).parts(8_000)) {
            checkpoints.pipeInput("run-7", part, 1_000L + hour + 130_000L);
        }
        assertThat(features.readValuesToList()).extracting(FeatureVector::runId).containsExactly("run-7");
        try (var it = store.all()) {
            assertThat(it.next().key).as("only the stray part's group remains").startsWith("\u0000run-5");
        }
    }
}
