package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import io.weightcast.core.service.Service;
import io.weightcast.ingest.IngestService;
import io.weightcast.scorer.ScorerService;
import io.weightcast.streams.FeatureService;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import io.weightcast.trainer.TrainerService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The four services against a broker they can reach only through its SASL_PLAINTEXT listener (SCRAM-SHA-256),
 * configured the way an operator would: {@code WEIGHTCAST_KAFKA_SECURITY_PROTOCOL}, {@code _SASL_MECHANISM},
 * {@code _SASL_JAAS_CONFIG}. A checkpoint goes ingest → streams → scorer and trainer; the lag monitors' admin
 * clients authenticate too. SSL is not exercised here (no certificates are generated).
 */
class KafkaSaslIntegrationTest {
    private static final String USER = "weightcast";
    private static final String PASSWORD = "wc-scram-secret";

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = EmbeddedKafkaExtension.withSasl(Map.of(USER, PASSWORD));
    private static Settings settings;
    private static final List<Service> started = new ArrayList<>();
    private static IngestService ingest;
    private static FeatureService streams;
    private static ScorerService scorer;
    private static TrainerService trainer;

    @BeforeAll
    static void startServicesOverSasl() {
        Path dir = KAFKA.dataDir().getParent();
        Map<String, String> env = new HashMap<>();
        env.put("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", KAFKA.broker().saslBootstrapServers());
        env.put("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("WEIGHTCAST_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256");
        env.put("WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG", jaas(PASSWORD));
        settings = Settings.load(Map.of(), null, env, Map.of("data.dir", dir.toString(), "topics.partitions", "2",
                "ingest.port", "0", "ingest.auth", "none", "streams.port", "0", "scorer.port", "0", "scorer.auth", "none",
                "trainer.port", "0"));
        streams = new FeatureService(settings);
        trainer = new TrainerService(settings);
        scorer = new ScorerService(settings);
        ingest = new IngestService(settings);
        for (Service s : List.of(streams, trainer, scorer, ingest)) { // streams first: it creates the topics
            s.start();
            started.add(s);
        }
    }

    @AfterAll
    static void stop() {
        List<Service> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        reverse.forEach(Service::close);
        KafkaClientSettings.install(KafkaClientSettings.NONE); // later test classes in this JVM use plain clients
    }

    @Test
    void aCheckpointFlowsThroughEveryServiceOverSasl() throws Exception {
        Await.until("every service ready", Duration.ofMillis(60_000), () -> started.stream().allMatch(Service::ready));
        post("/v1/runs/sasl-run/events", Json.bytes(Map.of("type", "started", "run_id", "sasl-run", "planned_steps", 3,
                "timestamp", System.currentTimeMillis())), "application/json");
        post("/v1/runs/sasl-run/checkpoints?step=1", checkpoint(), "application/octet-stream");

        Score score = firstScore();
        assertThat(score.runId()).isEqualTo("sasl-run");
        assertThat(score.step()).isEqualTo(1);
        Await.until("the trainer read the feature vector", Duration.ofMillis(30_000), () -> trainer.snapshot().featureVectors() >= 1);
        // the lag monitors' admin clients authenticated too: a measured lag, no errors
        Await.until("streams' lag measured", Duration.ofMillis(30_000), () -> MetricsText.scrape(streams.port()).contains(
                "weightcast_consumer_lag_records{group=\"weightcast.streams\",topic=\"weightcast.checkpoints\"} 0.0"));
        assertThat(MetricsText.scrape(streams.port())).contains("weightcast_consumer_lag_errors_total{group=\"weightcast.streams\"} 0.0");
    }

    @Test
    void theListenerRefusesAWrongPassword() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().saslBootstrapServers());
        KafkaClientSettings.of(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", jaas("wrong"))).applyTo(p);
        try (Admin admin = Admin.create(p)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\"" + password + "\";";
    }

    /** Reads the scores topic through the SASL listener with the installed settings. */
    private static Score firstScore() {
        String topic = settings.topics().scores();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaConfigs.consumer(KAFKA.broker().saslBootstrapServers(), null),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    return Json.read(r.value(), Score.class);
                }
            }
        }
        throw new AssertionError("no score on " + topic + " within 60 s");
    }

    private static byte[] checkpoint() {
        return CheckpointBuilder.empty()
                .meta(Map.of("run_id", "sasl-run", "step", "1", "planned_steps", "3", "framework", "pytorch", "activation", "relu"))
                .dense("fc", 8, 4, Fill.cosine(0.2), Fill.zeros())
                .bytes();
    }

    private static void post(String path, byte[] body, String type) {
        HttpResponse<String> r = Http.post(ingest.port(), path, type, body);
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(202);
    }
}
