package io.weightcast.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.ingest.CheckpointPublisher;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;

/** Real DL4J training, real broker: the listener's checkpoints and events read back from Kafka. */
class WeightcastTrainingListenerTest {
    private static final Topics TOPICS = new Topics("dl4j-it.");
    private static final DataSet TRAIN = TestNetworks.blobs(12, 240);
    private static final DataSet VALIDATION = TestNetworks.blobs(13, 90);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static CheckpointPublisher publisher;

    @BeforeAll
    static void start() {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        publisher = CheckpointPublisher.builder(KAFKA.bootstrapServers()).topics(TOPICS).framework("dl4j").build();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
    }

    @Test
    void publishesOneCheckpointPerEpochInPytorchLayoutWithStartedAndFinishedEvents() {
        MultiLayerNetwork net = TestNetworks.mlp(11, true, Activation.RELU);
        List<Double> reportedValAcc = new ArrayList<>();
        WeightcastTrainingListener weightcast = WeightcastTrainingListener.builder(publisher, "dl4j-mlp", 5)
                .study("dl4j-study").hparams(Map.of("lr", 0.02, "hidden", 16))
                .metrics((model, epoch) -> {
                    double acc = net.evaluate(new ViewIterator(VALIDATION, 64)).accuracy();
                    reportedValAcc.add(acc);
                    return Map.of("val_acc", acc);
                })
                .rethrowOnFinish().build();
        TestNetworks.ParamRecorder recorder = new TestNetworks.ParamRecorder();
        net.setListeners(weightcast, recorder);

        net.fit(new ViewIterator(TRAIN, 32), 3);
        double testAccuracy = net.evaluate(new ViewIterator(VALIDATION, 64)).accuracy();
        weightcast.finish(testAccuracy);

        assertThat(weightcast.failures()).isZero();
        assertThat(weightcast.checkpointsAcked()).isEqualTo(3);
        List<ConsumerRecord<String, byte[]>> records = checkpoints("dl4j-mlp");
        assertThat(records).hasSize(3);
        for (int e = 0; e < 3; e++) {
            SafeTensors file = SafeTensors.read(records.get(e).value());
            CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), "dl4j-mlp");
            assertThat(meta.step()).isEqualTo(e + 1);
            assertThat(meta.plannedSteps()).isEqualTo(5);
            assertThat(meta.framework()).isEqualTo("dl4j");
            assertThat(meta.activation()).isEqualTo("relu");
            assertThat(meta.study()).isEqualTo("dl4j-study");
            assertThat(file.metadata()).containsEntry("layers", "hidden,out");
            assertThat(meta.metrics()).containsEntry("val_acc", reportedValAcc.get(e));
            assertThat(meta.metrics().get("train_loss")).isFinite().isPositive();

            assertThat(file.tensorsByOffset()).extracting(TensorInfo::name)
                    .containsExactly("hidden.weight", "hidden.bias", "out.weight", "out.bias");
            assertThat(file.tensorsByOffset()).extracting(TensorInfo::dtype).containsOnly(DType.F32);
            assertThat(file.tensor("hidden.weight").shape()).containsExactly(16, 8);
            assertThat(file.tensor("hidden.bias").shape()).containsExactly(16);
            assertThat(file.tensor("out.weight").shape()).containsExactly(3, 16);
            assertThat(file.tensor("out.bias").shape()).containsExactly(3);
            Map<String, INDArray> params = recorder.epochs.get(e);
            assertTransposed(file.values("hidden.weight"), params.get("0_W"));
            assertThat(file.values("hidden.bias")).containsExactly(doubles(params.get("0_b")));
            assertTransposed(file.values("out.weight"), params.get("1_W"));
            assertThat(file.values("out.bias")).containsExactly(doubles(params.get("1_b")));

            FeatureVector features = FeatureExtractor.extract(file, meta, records.get(e).timestamp());
            assertThat(feature(features, "layer_count")).isEqualTo(2);
            assertThat(feature(features, "param_count")).isEqualTo(8 * 16 + 16 + 16 * 3 + 3);
            assertThat(feature(features, "step")).isEqualTo(e + 1);
            assertThat(feature(features, "metric_val_acc")).isEqualTo(reportedValAcc.get(e));
            assertThat(features.health().nonfiniteValues()).isZero();
        }
        // Training moved the weights, and each checkpoint carries its own epoch's values.
        assertThat(SafeTensors.read(records.get(2).value()).values("hidden.weight"))
                .isNotEqualTo(SafeTensors.read(records.get(0).value()).values("hidden.weight"));

        List<RunEvent> events = events("dl4j-mlp");
        assertThat(events).extracting(RunEvent::type).containsExactly(RunEvent.STARTED, RunEvent.FINISHED);
        assertThat(events.get(0).study()).isEqualTo("dl4j-study");
        assertThat(events.get(0).plannedSteps()).isEqualTo(5);
        assertThat(events.get(0).hparams()).containsEntry("hidden", 16).containsEntry("lr", 0.02);
        assertThat(events.get(1).finalTestAccuracy()).isEqualTo(testAccuracy);
        assertThat(testAccuracy).as("the net learned the blobs").isGreaterThan(0.8);
    }

    @Test
    void aFailingMetricsSupplierCostsOnlyThatEpochsMetricsAndEpochsCountAcrossFitCalls() {
        MultiLayerNetwork net = TestNetworks.mlp(21, false, Activation.TANH);
        WeightcastTrainingListener weightcast = WeightcastTrainingListener.builder(publisher, "dl4j-flaky", 4)
                .metrics((model, epoch) -> {
                    if (epoch == 1) {
                        throw new IllegalStateException("validation data not ready");
                    }
                    return Map.of("val_acc", 0.5, "val_loss", Double.NaN);
                })
                .build();
        net.setListeners(weightcast);

        net.fit(new ViewIterator(TRAIN, 64), 1);
        net.fit(new ViewIterator(TRAIN, 64), 1); // a second fit call resumes the numbering
        weightcast.finish(Map.of("test_accuracy", 0.7, "train_accuracy", 0.8));

        assertThat(weightcast.failures()).isEqualTo(1);
        assertThat(weightcast.firstFailure()).hasMessage("validation data not ready");
        List<ConsumerRecord<String, byte[]>> records = checkpoints("dl4j-flaky");
        assertThat(records).hasSize(2);
        SafeTensors first = SafeTensors.read(records.get(0).value());
        SafeTensors second = SafeTensors.read(records.get(1).value());
        assertThat(first.metadata()).containsEntry("step", "1").containsEntry("activation", "tanh")
                .containsEntry("layers", "layer0,layer1").doesNotContainKey("study");
        assertThat(CheckpointMetadata.parse(first.metadata(), null).metrics()).containsOnlyKeys("train_loss");
        assertThat(second.metadata()).containsEntry("step", "2");
        // NaN cannot travel as a JSON number: dropped, the rest kept.
        assertThat(CheckpointMetadata.parse(second.metadata(), null).metrics())
                .containsOnlyKeys("train_loss", "val_acc").containsEntry("val_acc", 0.5);
        assertThat(first.tensorsByOffset()).extracting(TensorInfo::name)
                .containsExactly("layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias");
        RunEvent finished = events("dl4j-flaky").get(1);
        assertThat(finished.finalMetrics()).containsEntry("test_accuracy", 0.7).containsEntry("train_accuracy", 0.8);
    }

    @Test
    void publishFailuresAreCountedWhileTrainingCompletesAndFinishRethrows() {
        // Topics that do not exist (auto-creation is off): every send times out waiting for metadata.
        try (CheckpointPublisher broken = CheckpointPublisher.builder(KAFKA.bootstrapServers())
                .topics(new Topics("absent.")).producerProperty("max.block.ms", 300).build()) {
            MultiLayerNetwork net = TestNetworks.mlp(31, true, Activation.RELU);
            WeightcastTrainingListener weightcast = WeightcastTrainingListener.builder(broken, "dl4j-broken", 2)
                    .rethrowOnFinish().ackTimeout(Duration.ofSeconds(5)).build();
            net.setListeners(weightcast);

            net.fit(new ViewIterator(TRAIN, 64), 2);

            assertThat(net.getEpochCount()).as("training went on").isEqualTo(2);
            assertThatThrownBy(() -> weightcast.finish(0.9))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("run dl4j-broken: 4 checkpoint/event publish failure(s)");
            assertThat(weightcast.failures()).isEqualTo(4); // started, 2 checkpoints, finished
            assertThat(weightcast.checkpointsAcked()).isZero();
        }
    }

    private static void assertTransposed(double[] torch, INDArray dl4j) {
        long nIn = dl4j.size(0);
        long nOut = dl4j.size(1);
        assertThat(torch).hasSize((int) (nIn * nOut));
        for (int o = 0; o < nOut; o++) {
            for (int i = 0; i < nIn; i++) {
                assertThat(torch[(int) (o * nIn + i)]).isCloseTo(dl4j.getDouble(i, o), within(0.0));
            }
        }
    }

    private static double[] doubles(INDArray a) {
        return a.reshape(a.length()).toDoubleVector();
    }

    private static double feature(FeatureVector v, String name) {
        return v.values()[FeatureLayout.indexOf(name)];
    }

    private static List<ConsumerRecord<String, byte[]>> checkpoints(String run) {
        return KAFKA.reader().toEnd(TOPICS.checkpoints(), run);
    }

    private static List<RunEvent> events(String run) {
        return KAFKA.reader().toEnd(TOPICS.runs(), run).stream()
                .map(r -> Json.read(r.value(), RunEvent.class)).toList();
    }
}
