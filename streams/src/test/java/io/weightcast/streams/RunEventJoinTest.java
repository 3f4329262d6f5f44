package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.TopologyTestDrivers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole contract (issue 19): what a producer sends on the runs topic counts exactly like the same values in
 * checkpoint metadata, whichever of a checkpoint and its step's metrics event comes first.
 */
class RunEventJoinTest {
    private static final String METRICS = "{\"val_acc\":0.31,\"val_loss\":1.9,\"train_acc\":0.35,\"train_loss\":1.8,"
            + "\"dead_fraction/fc1\":0.75}";
    private static final String HPARAMS = "{\"learning_rate\":0.01,\"batch_size\":32,\"optimizer\":\"adam\"}";

    private final Topics topics = Topics.defaults();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> checkpoints;
    private TestInputTopic<String, String> runs;
    private TestOutputTopic<String, FeatureVector> features;
    private StreamsMetrics metrics;

    /** A small ReLU MLP whose weights depend on the step only (two runs' checkpoints of a step are equal); {@code meta} pairs. */
    static byte[] checkpoint(String run, int step, String... meta) {
        CheckpointBuilder checkpoint = CheckpointBuilder.of(run, step).meta("activation", "relu");
        for (int i = 0; i < meta.length; i += 2) {
            checkpoint.meta(meta[i], meta[i + 1]);
        }
        return checkpoint.dense("fc1", 8, 6, Fill.sine(step, 0.1), Fill.zeros()).weight("fc2", 4, 8, Fill.zeros()).bytes();
    }

    @BeforeEach
    void setUp() {
        metrics = new StreamsMetrics();
        driver = TopologyTestDrivers.create(
                FeatureTopology.build(FeatureTopology.Options.of(topics, metrics)), ProductionProperties.features());
        checkpoints = driver.createInputTopic(topics.checkpoints(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        runs = driver.createInputTopic(topics.runs(), Serdes.String().serializer(), Serdes.String().serializer());
        features = driver.createOutputTopic(topics.features(), Serdes.String().deserializer(),
                JsonSerde.of(FeatureVector.class).deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void started(String run) {
        runs.pipeInput(run, "{\"type\":\"started\",\"run_id\":\"" + run + "\",\"study\":\"s1\",\"planned_steps\":10,\"hparams\":"
                + HPARAMS + "}");
    }

    private void metricsEvent(String run, int step, String json) {
        runs.pipeInput(run, "{\"type\":\"metrics\",\"run_id\":\"" + run + "\",\"step\":" + step + ",\"metrics\":" + json + "}");
    }

    /** The vector of a checkpoint carrying everything in its metadata, as the Python client sends it. */
    private FeatureVector inMetadata(String run, int step, String metricsJson) {
        checkpoints.pipeInput(run, checkpoint(run, step, "study", "s1", "planned_steps", "10", "hparams", HPARAMS, "metrics", metricsJson));
        return features.readValue();
    }

    @Test
    void startedEventDeclarationsCountLikeMetadata() {
        started("plain");
        checkpoints.pipeInput("plain", checkpoint("plain", 1));
        assertThat(features.isEmpty()).as("a run that declared itself by event may send its metrics so: it waits").isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(FeatureSettings.DEFAULT_METRICS_WAIT_MS + 500));
        FeatureVector plain = features.readValue();
        FeatureVector client = inMetadata("client", 1, "{}");
        assertThat(plain.study()).isEqualTo("s1");
        assertThat(plain.plannedSteps()).isEqualTo(10);
        assertThat(plain.values()[FeatureLayout.indexOf("hp_log10_learning_rate")]).isCloseTo(-2.0, within(1e-12));
        assertThat(plain.values()).containsExactly(client.values());
    }

    @Test
    void aMetricsEventBeforeItsCheckpointCountsLikeMetadata() {
        metricsEvent("plain", 1, METRICS);
        checkpoints.pipeInput("plain", checkpoint("plain", 1, "study", "s1", "planned_steps", "10", "hparams", HPARAMS));
        FeatureVector plain = features.readValue();
        FeatureVector client = inMetadata("client", 1, METRICS);
        assertThat(plain.values()[FeatureLayout.indexOf("metric_val_acc")]).isEqualTo(0.31);
        assertThat(plain.values()).containsExactly(client.values());
        assertThat(plain.health().measuredDeadFractions()).isEqualTo(Map.of("fc1", 0.75));
        assertThat(plain.health().deadFractions()).isEqualTo(client.health().deadFractions());
        assertThat(plain.health().deadFractions().get("fc1")).isEqualTo(0.75);
    }

    @Test
    void aCheckpointWaitsForItsMetricsEventAndTheCurveFollows() {
        started("plain");
        checkpoints.pipeInput("plain", checkpoint("plain", 1));
        assertThat(features.isEmpty()).as("held until its metrics come").isTrue();
        metricsEvent("plain", 1, METRICS);
        FeatureVector first = features.readValue();
        checkpoints.pipeInput("plain", checkpoint("plain", 2));
        assertThat(features.isEmpty()).isTrue();
        metricsEvent("plain", 2, "{\"val_acc\":0.5,\"train_acc\":0.55}");
        FeatureVector second = features.readValue();

        FeatureVector client1 = inMetadata("client", 1, METRICS);
        FeatureVector client2 = inMetadata("client", 2, "{\"val_acc\":0.5,\"train_acc\":0.55}");
        assertThat(first.values()).containsExactly(client1.values());
        assertThat(first.health().measuredDeadFractions()).isEqualTo(Map.of("fc1", 0.75));
        assertThat(first.health().deadFractions()).isEqualTo(client1.health().deadFractions());
        assertThat(second.values()).containsExactly(client2.values());
        assertThat(second.values()[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.31);
        assertThat(second.values()[FeatureLayout.indexOf("curve_val_acc_delta1")]).isCloseTo(0.19, within(1e-12));
        assertThat(metrics.held.labelValues("metrics").get()).isEqualTo(2.0);
    }

    @Test
    void aWaitThatRunsOutReleasesTheVectorAndTheRunIsNoLongerWaitedOn() {
        started("quiet");
        checkpoints.pipeInput("quiet", checkpoint("quiet", 1));
        assertThat(features.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(FeatureSettings.DEFAULT_METRICS_WAIT_MS + 500));
        FeatureVector released = features.readValue();
        assertThat(released.step()).isEqualTo(1);
        assertThat(released.values()[FeatureLayout.indexOf("metric_val_acc")]).isNaN();
        assertThat(metrics.held.labelValues("timeout").get()).isEqualTo(1.0);
        checkpoints.pipeInput("quiet", checkpoint("quiet", 2));
        assertThat(features.readValue().step()).as("not held again").isEqualTo(2);
        // a metrics event later turns waiting back on
        metricsEvent("quiet", 3, "{\"val_acc\":0.4}");
        checkpoints.pipeInput("quiet", checkpoint("quiet", 3));
        assertThat(features.readValue().values()[FeatureLayout.indexOf("metric_val_acc")]).isEqualTo(0.4);
        checkpoints.pipeInput("quiet", checkpoint("quiet", 4));
        assertThat(features.isEmpty()).isTrue();
        metricsEvent("quiet", 4, "{\"val_acc\":0.45}");
        assertThat(features.readValue().values()[FeatureLayout.indexOf("metric_val_acc")]).isEqualTo(0.45);
    }

    @Test
    void aFinishedEventReleasesWhatIsHeldAndRunsWithoutEventsNeverWait() {
        started("done");
        checkpoints.pipeInput("done", checkpoint("done", 9));
        assertThat(features.isEmpty()).isTrue();
        runs.pipeInput("done", "{\"type\":\"finished\",\"run_id\":\"done\",\"final\":{\"test_accuracy\":0.9}}");
        assertThat(features.readValue().step()).isEqualTo(9);
        assertThat(metrics.held.labelValues("finished").get()).isEqualTo(1.0);

        checkpoints.pipeInput("silent", checkpoint("silent", 1)); // no started event, no metrics events
        assertThat(features.readValue().runId()).isEqualTo("silent");
    }

    @Test
    void metricsOfStepsWithoutACheckpointStayOutOfTheCurveAndLateOnesReachTheNextCheckpoints() {
        checkpoints.pipeInput("busy", checkpoint("busy", 1, "metrics", "{\"val_acc\":0.2}"));
        for (int batch = 100; batch < 140; batch++) { // a loop logging per batch under other step numbers
            metricsEvent("busy", batch, "{\"val_acc\":0.99}");
        }
        checkpoints.pipeInput("busy", checkpoint("busy", 2));
        driver.advanceWallClockTime(Duration.ofMillis(FeatureSettings.DEFAULT_METRICS_WAIT_MS + 500)); // it goes without them
        metricsEvent("busy", 2, "{\"val_acc\":0.3}"); // late: after its checkpoint went out
        checkpoints.pipeInput("busy", checkpoint("busy", 3, "metrics", "{\"val_acc\":0.4}"));
        List<FeatureVector> out = features.readValuesToList();
        assertThat(out).extracting(FeatureVector::step).containsExactly(1L, 2L, 3L);
        assertThat(out.get(1).values()[FeatureLayout.indexOf("metric_val_acc")]).isNaN();
        double[] third = out.get(2).values();
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_prev1")]).isEqualTo(0.3);
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_prev2")]).isEqualTo(0.2);
        assertThat(third[FeatureLayout.indexOf("curve_val_acc_best")]).isEqualTo(0.4);
    }

    @Test
    void malformedRunEventsAreCountedAndSkipped() {
        runs.pipeInput("bad", "{not json");
        runs.pipeInput("bad", "{\"type\":\"metrics\",\"run_id\":\"bad\"}"); // no step
        runs.pipeInput("other", "{\"type\":\"started\",\"run_id\":\"bad\"}"); // key and run_id disagree
        runs.pipeInput("bad", "null"); // the JSON literal null
        checkpoints.pipeInput("bad", checkpoint("bad", 1));
        assertThat(features.readValue().runId()).isEqualTo("bad");
        assertThat(metrics.runEvents.labelValues("malformed").get()).isEqualTo(4.0);
    }

    @Test
    void runContextsAndHeldVectorsLiveInChangeloggedStores() {
        started("kept");
        checkpoints.pipeInput("kept", checkpoint("kept", 1));
        assertThat(driver.getKeyValueStore(FeatureTopology.RUNS_STORE).get("kept")).isNotNull();
        try (var held = driver.<String, byte[]>getKeyValueStore(FeatureTopology.HELD_STORE).all()) {
            assertThat(held.next().key).startsWith("kept/");
            assertThat(held.hasNext()).isFalse();
        }
    }
}
