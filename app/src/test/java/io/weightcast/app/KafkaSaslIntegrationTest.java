package io.weightcast.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.service.Service;
import io.weightcast.ingest.IngestService;
import io.weightcast.scorer.ScorerService;
import io.weightcast.streams.FeatureService;
import io.weightcast.trainer.TrainerService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
import java.util.function.BooleanSupplier;
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

/**
 * The four services against a broker they can reach only through its SASL_PLAINTEXT listener (SCRAM-SHA-256),
 * configured the way an operator would: {@code WEIGHTCAST_KAFKA_SECURITY_PROTOCOL}, {@code _SASL_MECHANISM},
 * {@code _SASL_JAAS_CONFIG}. A checkpoint goes ingest → streams → scorer and trainer; the lag monitors' admin
 * clients authenticate too. SSL is not exercised here (no certificates are generated).
 */
class KafkaSaslIntegrationTest {
    private static final String USER = "weightcast";
    private static final String PASSWORD = "wc-scram-secret";

    private static EmbeddedKafka kafka;
    private static Settings settings;
    private static final List<Service> started = new ArrayList<>();
    private static IngestService ingest;
    private static FeatureService streams;
    private static ScorerService scorer;
    private static TrainerService trainer;

    @BeforeAll
    static void startServicesOverSasl() {
        Path dir = EmbeddedKafka.tempDir();
        kafka = EmbeddedKafka.startWithSasl(dir.resolve("kafka"), Map.of(USER, PASSWORD));
        Map<String, String> env = new HashMap<>();
        env.put("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", kafka.saslBootstrapServers());
        env.put("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("WEIGHTCAST_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256");
        env.put("WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG", jaas(PASSWORD));
        settings = Settings.load(Map.of(), null, env, Map.of("data.dir", dir.toString(), "topics.partitions", "2",
                "ingest.port", "0", "streams.port", "0", "scorer.port", "0", "trainer.port", "0"));
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
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aCheckpointFlowsThroughEveryServiceOverSasl() throws Exception {
        await("every service ready", 60_000, () -> started.stream().allMatch(Service::ready));
        post("/v1/runs/sasl-run/events", Json.bytes(Map.of("type", "started", "run_id", "sasl-run", "planned_steps", 3,
                "timestamp", System.currentTimeMillis())), "application/json");
        post("/v1/runs/sasl-run/checkpoints?step=1", checkpoint(), "application/octet-stream");

        Score score = firstScore();
        assertThat(score.runId()).isEqualTo("sasl-run");
        assertThat(score.step()).isEqualTo(1);
        await("the trainer read the feature vector", 30_000, () -> trainer.snapshot().featureVectors() >= 1);
        // the lag monitors' admin clients authenticated too: a measured lag, no errors
        await("streams' lag measured", 30_000, () -> scrape(streams.port()).contains(
                "weightcast_consumer_lag_records{group=\"weightcast.streams\",topic=\"weightcast.checkpoints\"} 0.0"));
        assertThat(scrape(streams.port())).contains("weightcast_consumer_lag_errors_total{group=\"weightcast.streams\"} 0.0");
    }

    @Test
    void theListenerRefusesAWrongPassword() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.saslBootstrapServers());
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
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaConfigs.consumer(kafka.saslBootstrapServers(), null),
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
        double[] w = new double[8 * 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.cos(i) * 0.2;
        }
        return new SafeTensorsWriter()
                .metadata(Map.of("run_id", "sasl-run", "step", "1", "planned_steps", "3", "framework", "pytorch", "activation", "relu"))
                .tensor("fc.weight", DType.F32, new long[] {8, 4}, w)
                .tensor("fc.bias", DType.F32, new long[] {8}, new double[8])
                .toBytes();
    }

    private static void post(String path, byte[] body, String type) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.port() + path)).header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(202);
    }

    private static String scrape(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
