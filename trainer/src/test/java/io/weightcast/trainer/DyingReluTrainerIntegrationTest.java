package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dying-ReLU classifier through a real broker: runs whose loops report dead fractions in their
 * metrics events → the trainer publishes a {@code dying-relu} version beside the accuracy model,
 * and a restarted trainer finds it again instead of renumbering.
 */
class DyingReluTrainerIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.tempDir());
        producer = new KafkaProducer<>(KafkaConfigs.producer(kafka.bootstrapServers(), "dying-relu-it"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every models-topic record (key, version). */
    private static List<Map.Entry<String, ModelVersion>> models(Topics topics) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaConfigs.consumer(kafka.bootstrapServers(), null),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topics.models(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<Map.Entry<String, ModelVersion>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(Map.entry(r.key(), Json.read(r.value(), ModelVersion.class)));
                }
            }
            return out;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void publishesTheClassifierLearnedFromReportedDeadFractions() throws Exception {
        Topics topics = new Topics("it-dying.");
        TopicSetup.ensure(kafka.bootstrapServers(), topics, 3, (short) 1);
        DyingReluZoo gen = new DyingReluZoo(11);
        for (int i = 0; i < 40; i++) {
            DyingReluZoo.Run run = gen.nextRun(String.format("relu-%04d", i));
            send(topics.runs(), run.runId(), Json.bytes(RunEvent.started(run.runId(), "relu-study", Map.of(), DyingReluZoo.STEPS)));
            for (int step = 1; step <= DyingReluZoo.STEPS; step++) {
                send(topics.features(), run.runId(), Json.bytes(gen.vector(run, step)));
                send(topics.runs(), run.runId(), Json.bytes(DyingReluZoo.metrics(run, step)));
            }
            send(topics.runs(), run.runId(), Json.bytes(RunEvent.finished(run.runId(), "relu-study",
                    Map.of("test_accuracy", run.accuracy()))));
        }
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, kafka.bootstrapServers(),
                Settings.TOPIC_PREFIX, topics.prefix(), TrainerSettings.PORT, "0", TrainerSettings.MIN_RUNS, "10",
                TrainerSettings.REFIT_EVERY, "5"));

        ModelVersion published;
        try (TrainerService service = new TrainerService(settings)) {
            service.start();
            await("a dying-relu version", () -> service.currentDyingReluModel().isPresent());
            published = service.currentDyingReluModel().orElseThrow();
            assertThat(published.version()).isEqualTo(1);
            assertThat(published.trainingRows()).isLessThan(40 * DyingReluZoo.STEPS).isGreaterThan(0);

            List<Map.Entry<String, ModelVersion>> records = models(topics);
            assertThat(records).extracting(Map.Entry::getKey).containsExactlyInAnyOrder(ModelVersion.ACCURACY_MODEL, DyingReluModel.NAME);
            ModelVersion fromTopic = records.stream().filter(e -> e.getKey().equals(DyingReluModel.NAME)).findFirst()
                    .orElseThrow().getValue();
            assertThat(fromTopic.name()).isEqualTo(DyingReluModel.NAME);
            assertThat(fromTopic.modelText()).isEqualTo(published.modelText());
            try (DyingReluModel model = DyingReluModel.load(fromTopic)) {
                assertThat(DyingReluModel.fires(model.probability(gen.values(new DyingReluZoo.Run("d", 1, 0.1), 4)))).isTrue();
                assertThat(DyingReluModel.fires(model.probability(gen.values(new DyingReluZoo.Run("h", 0, 0.9), 4)))).isFalse();
            }
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + service.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("weightcast_trainer_dying_relu_model_version 1.0")
                    .contains("weightcast_trainer_dying_relu_fits_total{outcome=\"published\"} 1.0");
        }

        // a restart replays the models topic: the same version is current, nothing is republished
        try (TrainerService again = new TrainerService(settings)) {
            again.start();
            await("replay", again::ready);
            assertThat(again.currentDyingReluModel()).contains(published);
            assertThat(models(topics)).hasSize(2);
        }
    }
}
