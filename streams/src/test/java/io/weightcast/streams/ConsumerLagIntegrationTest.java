package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.ConsumerLagMonitor;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.service.OpsServer;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.MetricsText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ConsumerLagMonitor} against a real broker, and the streams service's lag gauge. */
class ConsumerLagIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void lagIsEndMinusCommittedSummedPerTopicReadCommitted() throws Exception {
        Topics topics = new Topics("lagtest.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 2, (short) 1);
        String topic = topics.runs();
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        // N = 10 committed records: 6 on partition 0, 4 on partition 1
        try (KafkaProducer<String, byte[]> p = producer(KafkaConfigs.producer(KAFKA.bootstrapServers(), "lag-n"))) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>(topic, i < 6 ? 0 : 1, "k", bytes("r" + i))).get();
            }
        }
        // 5 more in a transaction left open: beyond the last stable offset, not lag for a read_committed consumer
        Properties tx = KafkaConfigs.producer(KAFKA.bootstrapServers(), "lag-tx");
        tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lag-open-tx");
        KafkaProducer<String, byte[]> open = producer(tx);
        open.initTransactions();
        open.beginTransaction();
        for (int i = 0; i < 5; i++) {
            open.send(new ProducerRecord<>(topic, 0, "k", bytes("open" + i)));
        }
        open.flush();

        // the group commits M = 4 (3 on partition 0, 1 on partition 1)
        commit("lag-group", Map.of(p0, 3L, p1, 1L));

        PrometheusRegistry registry = new PrometheusRegistry();
        Map<TopicPartition, Long> positions = Map.of(p0, 6L, p1, 1L);
        try (ConsumerLagMonitor monitor = ConsumerLagMonitor.builder(KAFKA.bootstrapServers(), registry)
                .group("lag-group", topic)
                .group("fresh-group", topic) // never committed: everything from the log start is lag
                .positions("manual", () -> positions)
                .interval(Duration.ofMillis(200)).start()) {
            Await.until("lag of lag-group is N - M = 6", WAIT, () -> monitor.lag("lag-group", topic).equals(OptionalLong.of(6)));
            Await.until("a complete poll", WAIT, () -> monitor.lag("manual", topic).isPresent());
            assertThat(OpsServer.scrape(registry))
                    .contains("weightcast_consumer_lag_records{group=\"lag-group\",topic=\"" + topic + "\"} 6.0")
                    .contains("weightcast_consumer_lag_errors_total{group=\"lag-group\"} 0.0");
            assertThat(monitor.lag("fresh-group", topic)).hasValue(10);
            assertThat(monitor.lag("manual", topic)).hasValue(3);

            // the open transaction commits (5 records + its marker on partition 0), the group consumes everything
            open.commitTransaction();
            open.close();
            commit("lag-group", Map.of(p0, 12L, p1, 4L));
            Await.until("lag-group caught up", WAIT, () -> monitor.lag("lag-group", topic).equals(OptionalLong.of(0)));
            Await.until("fresh-group sees the committed transaction", WAIT, () -> monitor.lag("fresh-group", topic).equals(OptionalLong.of(16)));
        }
        assertThat(OpsServer.scrape(registry)).doesNotContain("weightcast_consumer_lag");
    }

    @Test
    void theStreamsServiceExportsItsApplicationsLag() throws Exception {
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "topic.prefix", "svclag.",
                "streams.port", "0", "streams.state.dir", KAFKA.dataDir().resolve("svc-state").toString(), "topics.partitions", "2"));
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings)) {
            service.start();
            try (KafkaProducer<String, byte[]> p = producer(KafkaConfigs.producer(KAFKA.bootstrapServers(), "svc"))) {
                for (int step = 1; step <= 3; step++) {
                    p.send(new ProducerRecord<>(topics.checkpoints(), "run-lag", CheckpointBuilder.mlp("run-lag", step, 8).bytes())).get();
                }
            }
            assertThat(KAFKA.reader().atLeast(topics.features(), FeatureVector.class, 3, Duration.ofSeconds(60), Duration.ofSeconds(2))).hasSize(3);
            // 0 only once the app's committed offsets reach the 3 records (before its first commit they all count)
            String series = "weightcast_consumer_lag_records{group=\"svclag.streams\",topic=\"svclag.checkpoints\"} 0.0";
            Await.until("the streams app's lag gauge at 0", WAIT, () -> MetricsText.scrape(service.port()).contains(series));
        }
    }

    private static void commit(String group, Map<TopicPartition, Long> offsets) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaConfigs.consumer(KAFKA.bootstrapServers(), group),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(offsets.keySet());
            Map<TopicPartition, OffsetAndMetadata> commit = new java.util.HashMap<>();
            offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
            c.commitSync(commit);
        }
    }

    private static KafkaProducer<String, byte[]> producer(Properties p) {
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
