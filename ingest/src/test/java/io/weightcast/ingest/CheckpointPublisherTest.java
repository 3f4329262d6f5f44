package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java SDK against one real broker: publish, then consume back and decode. */
class CheckpointPublisherTest {
    private static final Topics TOPICS = new Topics("sdk-it.");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static CheckpointPublisher publisher;

    @BeforeAll
    static void start() {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        publisher = CheckpointPublisher.builder(KAFKA.bootstrapServers()).topics(TOPICS).framework("dl4j")
                .maxRecordBytes(32 * 1024).build();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
    }

    @Test
    void publishesTensorsWithShapesAndMetadata() {
        Random r = new Random(31);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.put("dense.weight", floats(r, 8 * 4));
        shapes.put("dense.weight", new long[] {8, 4});
        tensors.put("dense.bias", floats(r, 8));
        shapes.put("dense.bias", new long[] {8});

        CheckpointReceipt receipt = publisher.publishCheckpoint("sdk-run", 4, 18, "relu", "sdk-study",
                Map.of("val_acc", 0.75, "train_loss", 0.5), tensors, shapes).join();

        assertThat(receipt.parts()).isEqualTo(1);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.checkpoints(), "sdk-run");
        assertThat(records).hasSize(1);
        SafeTensors file = SafeTensors.read(records.get(0).value());
        CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), "sdk-run");
        assertThat(meta.step()).isEqualTo(4);
        assertThat(meta.plannedSteps()).isEqualTo(18);
        assertThat(meta.activation()).isEqualTo("relu");
        assertThat(meta.study()).isEqualTo("sdk-study");
        assertThat(meta.framework()).isEqualTo("dl4j");
        assertThat(meta.metrics()).containsEntry("val_acc", 0.75).containsEntry("train_loss", 0.5);
        assertThat(file.tensor("dense.weight").shape()).containsExactly(8, 4);
        assertThat(file.values("dense.bias")).containsExactly(toDoubles(tensors.get("dense.bias")));
        assertThat(file.tensorsByOffset().get(0).name()).isEqualTo("dense.weight");
        assertThat(receipt.bytes()).isEqualTo(records.get(0).value().length);
    }

    @Test
    void splitsALargeCheckpointAndTheConsumerMergesIt() {
        Random r = new Random(32);
        double[] big = new double[64 * 512];
        for (int i = 0; i < big.length; i++) {
            big[i] = r.nextGaussian();
        }
        TensorSet set = TensorSet.create().add("fc.weight", DType.F32, new long[] {64, 512}, big)
                .add("fc.bias", new long[] {64}, floats(r, 64))
                .add("head.weight", DType.BF16, new long[] {10, 64}, new double[640]);

        CheckpointReceipt receipt = publisher.publishCheckpoint("sdk-big", 2, 18, "tanh", null, null, set).join();

        assertThat(receipt.parts()).isGreaterThan(3);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.checkpoints(), "sdk-big");
        assertThat(records).hasSize(receipt.parts());
        SafeTensors merged = CheckpointParts.merge(records.stream().map(x -> SafeTensors.read(x.value())).toList());
        assertThat(merged.values("fc.weight")).containsExactly(toDoubles(toFloats(big)));
        assertThat(merged.tensor("head.weight").dtype()).isEqualTo(DType.BF16);
        assertThat(merged.metadata()).containsEntry("activation", "tanh").doesNotContainKey("study");
    }

    @Test
    void aReadySafetensorsFileKeepsItsOwnMetadata() {
        byte[] file = CheckpointBuilder.cnn(33, 16).meta(Map.of("activation", "gelu", "framework", "pytorch")).bytes();

        publisher.publishCheckpoint("sdk-file", 9, 20, "relu", "s", null, file).join();

        SafeTensors got = SafeTensors.read(KAFKA.reader().toEnd(TOPICS.checkpoints(), "sdk-file").get(0).value());
        assertThat(got.metadata()).containsEntry("activation", "gelu").containsEntry("framework", "pytorch")
                .containsEntry("step", "9").containsEntry("planned_steps", "20").containsEntry("run_id", "sdk-file");
        assertThat(TestCheckpoints.sameTensors(got, SafeTensors.read(file))).isTrue();
    }

    @Test
    void invalidInputIsRefusedBeforeAnythingIsSent() {
        long before = KAFKA.reader().count(TOPICS.checkpoints());
        byte[] other = CheckpointBuilder.cnn(34, 16).meta(TestCheckpoints.metadata("someone-else", 1)).bytes();
        assertThatThrownBy(() -> publisher.publishCheckpoint("sdk-x", 1, 18, "relu", null, null, other))
                .isInstanceOf(IngestRejection.class).hasMessageContaining("differs from run 'sdk-x'");
        assertThatThrownBy(() -> publisher.publishEvent(new RunEvent("finished", "sdk-x", null, null, null, null, null, Map.of(), 1L)))
                .isInstanceOf(IngestRejection.class).hasMessageContaining("final.test_accuracy");
        assertThatThrownBy(() -> TensorSet.create().add("w", new long[] {2, 3}, new float[5]))
                .hasMessageContaining("5 values for 6 elements");
        assertThat(KAFKA.reader().count(TOPICS.checkpoints())).isEqualTo(before);
    }

    @Test
    void publishesRunEvents() {
        RunEvent started = RunEvent.started("sdk-ev", "sdk-study", Map.of("lr", 0.01), 18);
        RunEvent finished = RunEvent.finished("sdk-ev", "sdk-study", Map.of("test_accuracy", 0.88));

        RecordMetadata first = publisher.publishEvent(started).join();
        RecordMetadata second = publisher.publishEvent(finished).join();

        assertThat(second.partition()).isEqualTo(first.partition());
        List<RunEvent> events = KAFKA.reader().toEnd(TOPICS.runs(), "sdk-ev").stream()
                .map(x -> Json.read(x.value(), RunEvent.class)).toList();
        assertThat(events).extracting(RunEvent::type).containsExactly("started", "finished");
        assertThat(events.get(0).plannedSteps()).isEqualTo(18);
        assertThat(events.get(1).finalTestAccuracy()).isEqualTo(0.88);
    }

    private static float[] floats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
