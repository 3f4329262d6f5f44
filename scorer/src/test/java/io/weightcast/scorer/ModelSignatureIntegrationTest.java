package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: anyone who can write to {@code models} could make the scorer load their LightGBM text, or pin it with a
 * forged version 2³¹−1. With {@code models.signing.key.file} set, the scorer on a real broker loads a version the key
 * signed, dead-letters an unsigned forgery and one signed with another key (the live model unchanged), and still takes
 * the next signed version after them.
 */
class ModelSignatureIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void onlySignedModelVersionsGoLive(@TempDir Path dir) throws Exception {
        Topics topics = new Topics("signed.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 1, (short) 1);
        Path keyFile = RecordSignature.ensureKeyFile(dir.resolve("models-signing.key"));
        assertThat(Files.readString(keyFile).strip()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(RecordSignature.ensureKeyFile(keyFile)).isEqualTo(keyFile);
        RecordSignature trainer = RecordSignature.from(Settings.of(Map.of("models.signing.key.file", keyFile.toString())));
        RecordSignature stranger = RecordSignature.of("another key that is long enough to be a key".getBytes(StandardCharsets.UTF_8));

        ScorerService scorer = new ScorerService(Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, topics.prefix(), "scorer.port", "0", "scorer.auth", "none",
                "scorer.state.dir", EmbeddedKafka.tempDir().toString(),
                "models.signing.key.file", keyFile.toString())));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "forger"),
                new StringSerializer(), new ByteArraySerializer())) {
            scorer.start();
            Await.until("scorer ready", WAIT, scorer::ready);
            send(producer, topics, TinyModels.train(1, a -> a, Map.of()), trainer);
            Await.until("signed version 1 live", WAIT, () -> Integer.valueOf(1).equals(scorer.liveModelVersion()));

            send(producer, topics, TinyModels.train(Integer.MAX_VALUE, a -> 1 - a, Map.of()), null);
            send(producer, topics, TinyModels.train(Integer.MAX_VALUE - 1, a -> 1 - a, Map.of()), stranger);
            List<DeadLetter> letters = new TopicReader(KAFKA.bootstrapServers()).until(topics.deadLetters(), DeadLetter.class,
                    l -> l.size() >= 2, WAIT);
            assertThat(letters).extracting(DeadLetter::reason).satisfiesExactly(
                    r -> assertThat(r).contains("model record unsigned"),
                    r -> assertThat(r).contains("model record invalid"));
            assertThat(letters).allSatisfy(l -> assertThat(l.sourceTopic()).isEqualTo(topics.models()));
            assertThat(scorer.liveModelVersion()).isEqualTo(1);

            send(producer, topics, TinyModels.train(2, a -> a, Map.of()), trainer);
            Await.until("signed version 2 live after the forgeries", WAIT, () -> Integer.valueOf(2).equals(scorer.liveModelVersion()));
        } finally {
            scorer.close();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics topics, ModelVersion model, RecordSignature signature)
            throws Exception {
        byte[] value = Json.bytes(model);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.models(), model.name(), value);
        if (signature != null) {
            signature.sign(record.headers(), topics.models(), model.name(), value);
        }
        producer.send(record).get();
    }
}
