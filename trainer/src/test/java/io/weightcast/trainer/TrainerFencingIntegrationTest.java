package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two trainer replicas with the same transactional id on one real broker: the one started later fences the other, which
 * publishes nothing more, turns not ready and keeps running; version numbers go on from the older one's.
 */
class TrainerFencingIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static Settings settings(Topics topics) {
        return TrainerServiceIntegrationTest.settings(KAFKA.bootstrapServers(), topics)
                // every candidate passes the gate, so a refit always tries to publish
                .with(TrainerSettings.PUBLISH_TOLERANCE.name(), "100")
                .with(TrainerSettings.CONFORMAL_FOLDS.name(), "0")
                .with(TrainerSettings.ABLATION_SPECTRA.name(), "false")
                .with("trainer.encoder.min.runs", "1000"); // the encoder side runs (and is stopped on fencing), never trains
    }

    private static void produceRuns(Topics topics, SyntheticZoo gen, int from, int to) {
        gen.produceRuns(KAFKA.writer(), topics, from, to);
    }

    /** What a read_committed reader (the scorer) sees on the models topic, in order. */
    private static List<ConsumerRecord<String, byte[]>> committedModels(Topics topics) {
        return KAFKA.reader().toEnd(topics.models(), TIMEOUT);
    }

    private static String publisher(ConsumerRecord<String, byte[]> r) {
        Header h = r.headers().lastHeader(TransactionalPublisher.PUBLISHER_HEADER);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double metric(TrainerService service, String series) {
        return MetricsText.required(Http.get(service.port(), "/metrics").body(), series);
    }

    private static int fits(TrainerService s) {
        ZooSnapshot z = s.snapshot();
        return (int) (z.fitsPublished() + z.fitsRejected() + z.fitsFailed());
    }

    @Test
    void theReplicaStartedLaterFencesTheOlderOneWhichPublishesNothingMore() {
        Topics topics = new Topics("it-fence.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 3, (short) 1);
        SyntheticZoo gen = new SyntheticZoo(37);
        produceRuns(topics, gen, 0, 12);
        Settings settings = settings(topics);
        assertThat(TrainerSettings.transactionalId(settings)).isEqualTo("it-fence.trainer");

        try (TrainerService a = new TrainerService(settings)) {
            a.start();
            Await.until("A publishes version 1", TIMEOUT, () -> a.snapshot().currentVersion() == 1);
            assertThat(a.leader()).isTrue();
            assertThat(metric(a, "weightcast_trainer_leader")).isEqualTo(1.0);
            Await.until("A ready", TIMEOUT, () -> Http.get(a.port(), "/ready").statusCode() == 200);
            List<ConsumerRecord<String, byte[]>> beforeB = committedModels(topics);
            assertThat(beforeB).isNotEmpty().allSatisfy(r -> assertThat(publisher(r)).isEqualTo(a.instanceId()));

            try (TrainerService b = new TrainerService(settings)) {
                b.start(); // claims the id: A can commit nothing from now on, and learns it at its next publish
                Await.until("B replayed A's version", TIMEOUT, () -> b.snapshot().caughtUp() && b.snapshot().currentVersion() == 1);
                assertThat(b.leader()).isTrue();
                assertThat(a.leader()).as("A has not tried to publish yet").isTrue();

                produceRuns(topics, gen, 12, 17); // both refit; A's publish is fenced, B's commits
                Await.until("A fenced", TIMEOUT, () -> !a.leader());
                Await.until("B publishes version 2", TIMEOUT, () -> b.snapshot().currentVersion() == 2);
                assertThat(metric(a, "weightcast_trainer_leader")).isEqualTo(0.0);
                Await.until("A not ready", TIMEOUT, () -> Http.get(a.port(), "/ready").statusCode() == 503);
                assertThat(Http.get(a.port(), "/health").statusCode()).as("A keeps running").isEqualTo(200);
                assertThat(metric(b, "weightcast_trainer_leader")).isEqualTo(1.0);
                assertThat(b.ready()).isTrue();
                assertThat(a.snapshot().fitsFailed()).as("fencing is no failed fit").isZero();

                // A keeps following the topics (B's versions) but fits nothing more
                int aFits = fits(a);
                produceRuns(topics, gen, 17, 22);
                Await.until("B publishes version 3", TIMEOUT, () -> b.snapshot().currentVersion() == 3);
                Await.until("A follows to version 3", TIMEOUT, () -> a.snapshot().currentVersion() == 3 && a.snapshot().zooRuns() == 22);
                assertThat(fits(a)).isEqualTo(aFits);
                assertThat(a.leader()).isFalse();

                List<ConsumerRecord<String, byte[]>> all = committedModels(topics);
                assertThat(all.subList(0, beforeB.size())).allSatisfy(r -> assertThat(publisher(r)).isEqualTo(a.instanceId()));
                assertThat(all.subList(beforeB.size(), all.size())).isNotEmpty()
                        .allSatisfy(r -> assertThat(publisher(r)).as("committed after B took over").isEqualTo(b.instanceId()));
                Map<String, Integer> last = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : all) {
                    int v = Json.read(r.value(), ModelVersion.class).version();
                    assertThat(v).as("%s versions strictly increase", r.key()).isGreaterThan(last.getOrDefault(r.key(), 0));
                    last.put(r.key(), v);
                }
                assertThat(all.stream().filter(r -> ModelVersion.ACCURACY_MODEL.equals(r.key()))
                        .map(r -> Json.read(r.value(), ModelVersion.class).version())).containsExactly(1, 2, 3);
            }
        }
    }

    /**
     * A replica fenced with a transaction still open (killed, or partitioned mid-publish): its record is in the log, but the
     * new replica's claim aborts it, so no read_committed reader (the scorer, the trainer's own replay) ever sees it and it
     * takes no version number.
     */
    @Test
    void aWriteLeftOpenByTheOlderReplicaIsAbortedAndNeverCountsAsAVersion() throws Exception {
        Topics topics = new Topics("it-open.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 3, (short) 1);
        produceRuns(topics, new SyntheticZoo(41), 0, 12);
        Settings settings = settings(topics);
        Properties p = KafkaConfigs.producer(KAFKA.bootstrapServers(), "older-trainer");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TrainerSettings.transactionalId(settings));
        ModelVersion orphan = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(7).layoutVersion(FeatureLayout.VERSION)
                .featureNames(FeatureLayout.names()).modelText("never committed").trainingRuns(1).trainingRows(1).build();
        try (KafkaProducer<String, byte[]> older = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            older.initTransactions();
            older.beginTransaction();
            older.send(new ProducerRecord<>(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(orphan))).get(30, TimeUnit.SECONDS);

            try (TrainerService b = new TrainerService(settings)) {
                b.start(); // its claim aborts the open transaction
                Await.until("B publishes its first version", TIMEOUT, () -> b.snapshot().currentVersion() > 0);
                assertThat(b.snapshot().currentVersion()).as("the aborted version 7 is no version").isEqualTo(1);
                assertThat(b.leader()).isTrue();
            }
            assertThatThrownBy(older::commitTransaction).satisfies(e -> assertThat(TransactionalPublisher.fencing(e)).isTrue());
        }
        assertThat(committedModels(topics)).extracting(r -> Json.read(r.value(), ModelVersion.class).version()).containsExactly(1);
        assertThat(everyModelRecord(topics)).as("the orphan did reach the log").contains(7, 1);
    }

    /** Versions of every accuracy-model record in the log, aborted ones included (read_uncommitted). */
    private static List<Integer> everyModelRecord(Topics topics) {
        Properties p = KafkaConfigs.consumer(KAFKA.bootstrapServers(), null);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        List<Integer> versions = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topics.models()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            Await.until("read models to the end", TIMEOUT, () -> {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (ModelVersion.ACCURACY_MODEL.equals(r.key())) {
                        versions.add(Json.read(r.value(), ModelVersion.class).version());
                    }
                }
                return partitions.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
        }
        return versions;
    }
}
