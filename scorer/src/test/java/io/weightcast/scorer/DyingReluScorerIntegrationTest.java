package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.Score;
import io.weightcast.scorer.policy.DyingReluPolicy;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The learned dying-ReLU signal through the real scorer and broker: a classifier version published
 * on the models topic before the scorer starts (found by rebuilding the global store), ReLU and tanh
 * runs whose weights look dying or healthy → exactly one DYING_RELU alert, for the dying ReLU run,
 * from the classifier; an unloadable classifier version is dead-lettered and the live one stays.
 */
class DyingReluScorerIntegrationTest {
    private static final Topics TOPICS = new Topics("it-dr.");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        ModelVersion classifier = DyingReluModels.train(1);
        send(TOPICS.models(), classifier.name(), Json.bytes(classifier));
        scorer = new ScorerService(Settings.of(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, TOPICS.prefix(),
                "scorer.port", "0",
                "scorer.auth", "none",
                "scorer.state.dir", EmbeddedKafka.tempDir().toString())));
        scorer.start();
        Await.until("streams RUNNING", TIMEOUT, scorer::ready);
    }

    @AfterAll
    static void stop() {
        if (scorer != null) {
            scorer.close();
        }
    }

    private static void send(String topic, String key, byte[] value) {
        KAFKA.writer().send(topic, key, value);
    }

    private static <T> List<T> readUntil(String topic, Class<T> type, Predicate<List<T>> done) {
        return KAFKA.reader().until(topic, type, done, TIMEOUT);
    }

    @Test
    void theClassifierRaisesDyingReluForTheDyingReluRunOnly() {
        send(TOPICS.features(), "dying", Json.bytes(DyingReluModels.vector("dying", 1, "relu", false)));
        send(TOPICS.features(), "dying", Json.bytes(DyingReluModels.vector("dying", 2, "relu", true)));
        send(TOPICS.features(), "dying", Json.bytes(DyingReluModels.vector("dying", 3, "relu", true)));
        send(TOPICS.features(), "healthy", Json.bytes(DyingReluModels.vector("healthy", 1, "relu", false)));
        send(TOPICS.features(), "tanh", Json.bytes(DyingReluModels.vector("tanh", 1, "tanh", true)));

        List<Score> scores = readUntil(TOPICS.scores(), Score.class, s -> s.size() >= 5);
        assertThat(scores).hasSize(5);
        assertThat(scores).filteredOn(s -> s.flags().contains(DyingReluPolicy.FLAG))
                .extracting(s -> s.runId() + "@" + s.step()).containsExactlyInAnyOrder("dying@2", "dying@3");

        List<Alert> alerts = readUntil(TOPICS.alerts(), Alert.class, a -> !a.isEmpty());
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Alert.DYING_RELU);
            assertThat(a.runId()).isEqualTo("dying");
            assertThat(a.step()).isEqualTo(2);
            assertThat(a.evidence()).containsEntry("signal", "classifier").containsEntry("classifier_version", 1);
        });

        // a version that does not load: dead-lettered, the live classifier keeps judging
        ModelVersion broken = ModelVersion.builder().name(DyingReluModel.NAME).version(2)
                .layoutVersion(DyingReluModels.train(2).layoutVersion()).featureNames(DyingReluModel.featureNames())
                .modelText("not a model").build();
        send(TOPICS.models(), broken.name(), Json.bytes(broken));
        List<DeadLetter> dead = readUntil(TOPICS.deadLetters(), DeadLetter.class, d -> !d.isEmpty());
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.reason()).contains("dying-relu"));
        send(TOPICS.features(), "later", Json.bytes(DyingReluModels.vector("later", 1, "relu", true)));
        List<Alert> after = readUntil(TOPICS.alerts(), Alert.class, a -> a.size() >= 2);
        assertThat(after).extracting(Alert::runId).containsExactlyInAnyOrder("dying", "later"); // two partitions: any order
        assertThat(after).filteredOn(a -> a.runId().equals("later")).singleElement()
                .satisfies(a -> assertThat(a.evidence()).containsEntry("classifier_version", 1));
    }
}
