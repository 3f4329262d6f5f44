package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dying-ReLU classifier through a real broker: runs whose loops report dead fractions in their
 * metrics events → the trainer publishes a {@code dying-relu} version beside the accuracy model,
 * and a restarted trainer finds it again instead of renumbering.
 */
class DyingReluTrainerIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static void send(String topic, String key, byte[] value) {
        KAFKA.writer().send(topic, key, value);
    }

    /** Every models-topic record (key, version). */
    private static List<Map.Entry<String, ModelVersion>> models(Topics topics) {
        return KAFKA.reader().toEnd(topics.models(), TIMEOUT).stream()
                .map(r -> Map.entry(r.key(), Json.read(r.value(), ModelVersion.class))).toList();
    }

    @Test
    void publishesTheClassifierLearnedFromReportedDeadFractions() throws Exception {
        Topics topics = new Topics("it-dying.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 3, (short) 1);
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
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, topics.prefix(), TrainerSettings.PORT.name(), "0", TrainerSettings.MIN_RUNS.name(), "10",
                TrainerSettings.REFIT_EVERY.name(), "5"));

        ModelVersion published;
        try (TrainerService service = new TrainerService(settings)) {
            service.start();
            Await.until("a dying-relu version", TIMEOUT, () -> service.currentDyingReluModel().isPresent());
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
                // healthy at the last step: the run ends healthy (earlier, a healthy-looking run may still be one that dies)
                assertThat(DyingReluModel.fires(model.probability(gen.values(new DyingReluZoo.Run("h", 0, 0.9), DyingReluZoo.STEPS))))
                        .isFalse();
            }
            String metrics = Http.get(service.port(), "/metrics").body();
            assertThat(metrics).contains("weightcast_trainer_dying_relu_model_version 1.0")
                    .contains("weightcast_trainer_dying_relu_fits_total{outcome=\"published\"} 1.0");
        }

        // a restart replays the models topic: the same version is current, nothing is republished
        try (TrainerService again = new TrainerService(settings)) {
            again.start();
            Await.until("replay", TIMEOUT, again::ready);
            assertThat(again.currentDyingReluModel()).contains(published);
            assertThat(models(topics)).hasSize(2);
        }
    }
}
