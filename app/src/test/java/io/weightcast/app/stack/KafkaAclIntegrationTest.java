package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.ServiceAcls;
import io.weightcast.core.kafka.ServiceAcls.Role;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import io.weightcast.testkit.TopicReader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka as the trust boundary: a broker with an authorizer, where each service runs in its own JVM under its own SCRAM
 * principal holding exactly {@link ServiceAcls}' grants (what {@code k8s/kafka-users.yaml} gives each Strimzi
 * KafkaUser). The pipeline still works end to end (the grants are enough), and a training loop's principal that tries to
 * publish a model is refused by the broker (the grants are least where it matters).
 */
class KafkaAclIntegrationTest {
    private static final Map<Role, String> PASSWORDS = Arrays.stream(Role.values())
            .collect(Collectors.toMap(Function.identity(), r -> r.userName() + "-secret"));
    private static final Topics TOPICS = Topics.defaults();
    private static final List<String> SERVICES = List.of("streams", "scorer", "trainer", "ingest");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = EmbeddedKafkaExtension.withSaslAndAcls(
            PASSWORDS.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().userName(), Map.Entry::getValue)));

    private static final Map<String, ServiceProcess> processes = new LinkedHashMap<>();
    private static final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    static void startEveryServiceUnderItsOwnPrincipal() throws Exception {
        String admin = KAFKA.broker().bootstrapServers(); // PLAINTEXT: the super user, as an operator's tooling
        TopicSetup.ensure(admin, TOPICS, 2, (short) 1);
        try (Admin a = Admin.create(KafkaConfigs.admin(admin))) {
            for (Role role : Role.values()) {
                a.createAcls(ServiceAcls.bindings(role, role.userName(), TOPICS)).all().get(30, TimeUnit.SECONDS);
            }
        }
        Path dir = KAFKA.dataDir().getParent().resolve("services");
        Files.createDirectories(dir);
        List<Integer> taken = new ArrayList<>();
        for (String service : SERVICES) {
            int port = EmbeddedKafka.freePortOtherThan(taken.stream().mapToInt(Integer::intValue).toArray());
            taken.add(port);
            ports.put(service, port);
            Role role = Role.valueOf(service.toUpperCase(java.util.Locale.ROOT));
            Map<String, String> s = new LinkedHashMap<>(saslClient(role));
            s.put(Settings.BOOTSTRAP, KAFKA.broker().saslBootstrapServers());
            s.put("data.dir", dir.toString());
            s.put("topics.partitions", "2");
            s.put(service + ".port", Integer.toString(port));
            s.put("ingest.auth", "none");
            s.put("scorer.auth", "none");
            List<String> args = new ArrayList<>(List.of("service", service));
            s.forEach((k, v) -> args.addAll(List.of("-s", k + "=" + v)));
            ServiceProcess p = new ServiceProcess(service, args, dir, List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"));
            p.start();
            processes.put(service, p);
        }
        for (String service : SERVICES) {
            Await.until(service + " ready under its own principal (see " + dir.resolve(service + ".log") + ")", Duration.ofSeconds(120),
                    () -> ready(ports.get(service)));
        }
    }

    @AfterAll
    static void stop() {
        processes.values().forEach(p -> p.stop(10_000));
    }

    @Test
    void theServicesWorkEndToEndWithOnlyTheirGrants() {
        post("/v1/runs/acl-run/events", Json.bytes(Map.of("type", "started", "run_id", "acl-run", "planned_steps", 3,
                "timestamp", System.currentTimeMillis())), "application/json");
        post("/v1/runs/acl-run/checkpoints?step=1", checkpoint(), "application/octet-stream");

        List<Score> scores = new TopicReader(KAFKA.broker().bootstrapServers())
                .until(TOPICS.scores(), Score.class, l -> !l.isEmpty(), Duration.ofSeconds(90));
        assertThat(scores).as("a score, computed by streams and the scorer under their own principals").isNotEmpty();
        assertThat(scores.get(0).runId()).isEqualTo("acl-run");
        Await.until("the trainer read the feature vector", Duration.ofSeconds(60),
                () -> MetricsText.value(MetricsText.scrape(ports.get("trainer")), "weightcast_trainer_feature_vectors").orElse(0) >= 1);
        assertThat(MetricsText.value(MetricsText.scrape(ports.get("trainer")), "weightcast_trainer_leader"))
                .as("the trainer claimed its transactional id (TransactionalId Write, Describe)").hasValue(1.0);
        processes.forEach((name, p) -> assertThat(p.alive()).as("%s still running", name).isTrue());
    }

    @Test
    void aTrainingLoopsPrincipalCannotPublishAModel() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(Role.PRODUCER)) {
            producer.send(new ProducerRecord<>(TOPICS.checkpoints(), "any-run", new byte[] {1})).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPICS.models(), "accuracy", new byte[] {1})).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void onlyTheTrainerWritesModels() throws Exception {
        for (Role role : List.of(Role.INGEST, Role.STREAMS, Role.SCORER)) {
            try (KafkaProducer<String, byte[]> producer = producer(role)) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPICS.models(), "accuracy", new byte[] {1}))
                        .get(30, TimeUnit.SECONDS))
                        .as("%s writing models", role)
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
        try (KafkaProducer<String, byte[]> trainer = producer(Role.TRAINER)) {
            // the bytes are no model: the scorer dead-letters them; the point is that the broker let the trainer write
            trainer.send(new ProducerRecord<>(TOPICS.encoders(), "acl-probe", new byte[] {1})).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> trainer.send(new ProducerRecord<>(TOPICS.checkpoints(), "acl-run", new byte[] {1}))
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    private static Map<String, String> saslClient(Role role) {
        return Map.of("kafka.security.protocol", "SASL_PLAINTEXT", "kafka.sasl.mechanism", "SCRAM-SHA-256",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + role.userName() + "\" password=\"" + PASSWORDS.get(role) + "\";");
    }

    private static KafkaProducer<String, byte[]> producer(Role role) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().saslBootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        saslClient(role).forEach((k, v) -> p.put(k.substring("kafka.".length()), v));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "acl-test-" + role.userName());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static boolean ready(int port) {
        try {
            return Http.get(port, "/ready").statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] checkpoint() {
        return CheckpointBuilder.empty()
                .meta(Map.of("run_id", "acl-run", "step", "1", "planned_steps", "3", "framework", "pytorch", "activation", "relu"))
                .dense("fc", 8, 4, Fill.cosine(0.2), Fill.zeros())
                .bytes();
    }

    private static void post(String path, byte[] body, String type) {
        HttpResponse<String> r = Http.post(ports.get("ingest"), path, type, body);
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(202);
    }
}
