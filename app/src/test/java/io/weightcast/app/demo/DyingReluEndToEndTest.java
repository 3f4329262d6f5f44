package io.weightcast.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.scorer.ScorerService;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.TopicReader;
import io.weightcast.trainer.TrainerService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 6 §5 end to end through one real broker: ReLU runs whose loops report measured dead fractions
 * (metrics run events) and whose weights show it → the trainer fits the dying-ReLU classifier and
 * publishes it on the models topic → the scorer loads it and raises DYING_RELU, from the classifier,
 * for a new run whose weights look dying — and for no healthy run.
 */
class DyingReluEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int STEPS = 6;
    private static final int SIGNAL = FeatureLayout.indexOf("max_bias_min");
    private final Random rnd = new Random(5);

    private FeatureVector vector(String runId, long step, boolean dying) {
        double[] v = new double[FeatureLayout.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        v[SIGNAL] = (dying ? -1.0 : 1.0) + 0.3 * rnd.nextGaussian();
        v[FeatureLayout.indexOf("step")] = step;
        return new FeatureVector(runId, step, STEPS, "e2e", "relu", FeatureLayout.VERSION, v,
                new Health(0, List.of(), Map.of("conv2", 0.0)), System.currentTimeMillis(), System.currentTimeMillis());
    }

    private static RunEvent metrics(String runId, long step, boolean dying) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_acc", 0.5);
        m.put("dead_fraction/conv2", dying ? 0.8 : 0.1);
        return new RunEvent(RunEvent.METRICS, runId, "e2e", null, null, step, m, null, System.currentTimeMillis());
    }

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void theTrainersClassifierReachesTheScorerAndRaisesDyingRelu() throws Exception {
        EmbeddedKafka kafka = KAFKA.broker();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaConfigs.producer(kafka.bootstrapServers(), "e2e"),
                     new StringSerializer(), new ByteArraySerializer())) {
            Topics topics = new Topics("e2e-dr.");
            TopicSetup.ensure(kafka.bootstrapServers(), topics, 2, (short) 1);
            // a finished zoo: a quarter of the runs die from some step on and stay dead (the classifier learns how a
            // run ends; where most runs die and early weights do not show it, it would rightly call every run dying)
            for (int i = 0; i < 40; i++) {
                String id = "zoo-" + i;
                int diesAt = i % 4 != 1 ? 0 : 1 + i % STEPS;
                for (int step = 1; step <= STEPS; step++) {
                    boolean dying = diesAt > 0 && step >= diesAt;
                    producer.send(new ProducerRecord<>(topics.features(), id, Json.bytes(vector(id, step, dying))));
                    producer.send(new ProducerRecord<>(topics.runs(), id, Json.bytes(metrics(id, step, dying))));
                }
                producer.send(new ProducerRecord<>(topics.runs(), id, Json.bytes(RunEvent.finished(id, "e2e",
                        Map.of("test_accuracy", diesAt == 0 ? 0.9 : 0.1))))).get();
            }
            Map<String, String> common = Map.of(Settings.BOOTSTRAP, kafka.bootstrapServers(), Settings.TOPIC_PREFIX, topics.prefix());
            Map<String, String> trainerSettings = new LinkedHashMap<>(common);
            trainerSettings.putAll(Map.of("trainer.port", "0", "trainer.min.runs", "10", "trainer.refit.every", "100"));
            Map<String, String> scorerSettings = new LinkedHashMap<>(common);
            scorerSettings.putAll(Map.of("scorer.port", "0", "scorer.auth", "none", "scorer.state.dir", EmbeddedKafka.tempDir().toString()));
            try (TrainerService trainer = new TrainerService(Settings.of(trainerSettings));
                 ScorerService scorer = new ScorerService(Settings.of(scorerSettings))) {
                trainer.start();
                scorer.start();
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while ((trainer.currentDyingReluModel().isEmpty() || !scorer.ready()) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                ModelVersion classifier = trainer.currentDyingReluModel().orElseThrow(() -> new AssertionError("no classifier"));
                assertThat(classifier.name()).isEqualTo(DyingReluModel.NAME);

                // live runs: one whose weights turn dying at step 3, one healthy; no dead fractions reported
                for (int step = 1; step <= 4; step++) {
                    producer.send(new ProducerRecord<>(topics.features(), "live-dying", Json.bytes(vector("live-dying", step, step >= 3))));
                    producer.send(new ProducerRecord<>(topics.features(), "live-healthy", Json.bytes(vector("live-healthy", step, false))));
                }
                producer.flush();
                // alerts are committed with their scores: once all 8 live scores are visible, so is every alert
                List<Score> scores = read(kafka.bootstrapServers(), topics.scores(), Score.class,
                        l -> l.stream().filter(x -> x.runId().startsWith("live-")).count() >= 8);
                assertThat(scores).filteredOn(x -> x.runId().startsWith("live-")).hasSize(8);
                List<Alert> alerts = read(kafka.bootstrapServers(), topics.alerts(), Alert.class,
                        l -> l.stream().anyMatch(x -> x.runId().equals("live-dying")));
                // (the accuracy model trained on the same zoo may add EARLY_STOP_CANDIDATE alerts: not this test's subject)
                assertThat(alerts).filteredOn(a -> a.runId().startsWith("live-") && a.kind().equals(Alert.DYING_RELU))
                        .singleElement().satisfies(a -> {
                    assertThat(a.kind()).isEqualTo(Alert.DYING_RELU);
                    assertThat(a.runId()).isEqualTo("live-dying");
                    assertThat(a.step()).isGreaterThanOrEqualTo(3);
                    assertThat(a.evidence()).containsEntry("signal", "classifier")
                            .containsEntry("classifier_version", classifier.version());
                });
                // the demo's monitor follows the accuracy model, not whatever model was published last
                try (PipelineMonitor monitor = new PipelineMonitor(kafka.bootstrapServers(), topics, run -> true)) {
                    long until = System.nanoTime() + TIMEOUT.toNanos();
                    while ((monitor.model() == null || monitor.scores() < 8) && System.nanoTime() < until) {
                        Thread.sleep(100);
                    }
                    assertThat(monitor.model()).isNotNull();
                    assertThat(monitor.model().name()).isEqualTo(ModelVersion.ACCURACY_MODEL);
                    assertThat(RunTable.status(monitor, 2, 0, 1)).contains("model v" + monitor.model().version());
                }
            }
        }
    }

    /** Until {@code done} holds and everything committed so far was read. */
    private static <T> List<T> read(String bootstrap, String topic, Class<T> type, java.util.function.Predicate<List<T>> done) {
        return new TopicReader(bootstrap).untilCaughtUp(topic, type, done, TIMEOUT);
    }
}
