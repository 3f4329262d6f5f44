package io.weightcast.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @Test
    void aFreePortIsNeverOneAlreadyChosen() {
        // The kernel often hands the port it just saw closed out again; the broker's listeners must differ.
        for (int i = 0; i < 500; i++) {
            int first = EmbeddedKafka.freePortOtherThan();
            int second = EmbeddedKafka.freePortOtherThan(first);
            assertThat(second).isNotEqualTo(first);
            assertThat(EmbeddedKafka.freePortOtherThan(first, second)).isNotIn(first, second);
        }
    }

    @Test
    void anExplicitPortThatIsTakenIsAnErrorNotASilentMove(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddedKafka.start(dir, port))
                    .hasMessageContaining("127.0.0.1:" + port).hasCauseInstanceOf(java.net.BindException.class);
            assertThat(EmbeddedKafka.isFree(port)).isFalse();
        }
    }

    @Test
    void recordsSurviveARestartOnTheSameDataDir(@TempDir Path dir) throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("t", "k", "v1")).get();
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("t"));
                ConsumerRecords<String, String> got = ConsumerRecords.empty();
                for (int i = 0; i < 50 && got.isEmpty(); i++) {
                    got = consumer.poll(Duration.ofMillis(500));
                }
                assertThat(got.count()).isEqualTo(1);
                assertThat(got.iterator().next().value()).isEqualTo("v1");
            }
        }
    }
}
