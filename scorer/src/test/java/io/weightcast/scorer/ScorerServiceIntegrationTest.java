package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.scorer.http.RunsView;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real ScorerService on a real broker: a model version published before it starts (so it is found
 * by rebuilding the global store), run events, feature vectors extracted from real safetensors
 * checkpoints (one with a NaN weight), a malformed record, and two webhook receivers, one of which
 * fails twice before accepting.
 */
class ScorerServiceIntegrationTest {
    private static final Topics TOPICS = new Topics("it.");
    private static final String STUDY = "it-study";
    private static final String READ_TOKEN = "it-read-token";
    private static final int MODEL_VERSION = 7;

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;
    private static HttpServer receiver;
    private static final List<String> delivered = new CopyOnWriteArrayList<>();
    private static final List<String> flakyBodies = new CopyOnWriteArrayList<>();
    private static final List<String> flakyHeaders = new CopyOnWriteArrayList<>();
    private static final AtomicInteger flakyFailuresLeft = new AtomicInteger(2);
    private static final AtomicInteger downRequests = new AtomicInteger();

    @BeforeAll
    static void startEverything() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ok", ex -> {
            delivered.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.createContext("/flaky", ex -> {
            flakyBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            flakyHeaders.add(ex.getRequestHeaders().getFirst("Content-Type") + " " + ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(flakyFailuresLeft.getAndDecrement() > 0 ? 500 : 200, -1);
            ex.close();
        });
        receiver.createContext("/down", ex -> {
            downRequests.incrementAndGet();
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        receiver.start();

        ModelVersion model = TinyModels.train(MODEL_VERSION, a -> 0.2 + 0.7 * a, Map.of(STUDY, 0.9));
        send(TOPICS.models(), model.name(), Json.bytes(model));

        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
        scorer = new ScorerService(Settings.of(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, TOPICS.prefix(),
                "scorer.port", "0",
                "scorer.tokens", READ_TOKEN,
                "scorer.state.dir", EmbeddedKafka.tempDir().toString(),
                "scorer.alerts", String.join(",", ScorerConfig.ALERT_KINDS), // SPECTRAL_COLLAPSE is off by default
                "scorer.webhooks", hooks + "/ok, " + hooks + "/flaky," + hooks + "/down",
                "scorer.webhook.backoff.ms", "50")));
        scorer.start();
        Await.until("streams RUNNING", WAIT, scorer::ready);

        send(TOPICS.runs(), "run-a", Json.bytes(RunEvent.started("run-a", STUDY, Map.of("lr", 0.01), 4)));
        send(TOPICS.runs(), "run-b", Json.bytes(RunEvent.started("run-b", STUDY, Map.of("lr", 0.3), 4)));
        send(TOPICS.features(), "run-a", Json.bytes(features("run-a", 1, false)));
        send(TOPICS.features(), "run-b", Json.bytes(features("run-b", 1, false)));
        send(TOPICS.features(), "run-a", "{\"run_id\":".getBytes(StandardCharsets.UTF_8));
        send(TOPICS.features(), "run-a", Json.bytes(features("run-a", 2, true)));
        sendSpectralCollapse();
    }

    /** run-spectral: step 1 with inline spectra in band, step 2 large (no inline spectra), its spectra later, collapsed. */
    private static void sendSpectralCollapse() throws Exception {
        FeatureVector step1 = features("run-spectral", 1, false);
        Map<String, LayerSpectralHealth> inBand = Map.of("fc1", new LayerSpectralHealth("success", 12, 0, 3.1, null, null, null, null, null, null));
        Health h = step1.health();
        send(TOPICS.features(), "run-spectral", Json.bytes(new FeatureVector(step1.runId(), 1, 4, STUDY, "relu", step1.layoutVersion(),
                step1.values(), new Health(h.nonfiniteValues(), h.nonfiniteTensors(), h.deadFractions(), inBand),
                step1.checkpointTimestamp(), step1.computedAt())));
        send(TOPICS.features(), "run-spectral", Json.bytes(features("run-spectral", 2, false)));  // large: no inline spectra
        Map<String, LayerSpectralHealth> collapsed = Map.of("fc1", new LayerSpectralHealth("success", 12, 0, 1.3, null, null, null, null, null, null));
        send(TOPICS.spectra(), "run-spectral", Json.bytes(new SpectralSummary("run-spectral", 2, 4, STUDY,
                io.weightcast.core.features.FeatureLayout.VERSION,
                io.weightcast.core.features.FeatureLayout.spectralSection(collapsed), collapsed, 1.5, 0L, 0L, null)));
    }

    @AfterAll
    static void stopEverything() {
        if (scorer != null) {
            scorer.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    /** A small ReLU MLP checkpoint through the real feature extractor; optionally with one NaN weight. */
    private static FeatureVector features(String run, int step, boolean nan) {
        Random random = new Random(step * 31L + run.hashCode());
        Fill fc1 = Fill.gaussian(random, 0.5);
        byte[] bytes = CheckpointBuilder.empty()
                .meta(Map.of("run_id", run, "step", Integer.toString(step), "planned_steps", "4", "framework", "pytorch",
                        "activation", "relu", "study", STUDY, "metrics", "{\"val_acc\": 0.4, \"train_loss\": 1.2}"))
                .dense("fc1", 8, 4, nan ? fc1.withNaNAt(5) : fc1, Fill.constant(0.1))
                .dense("fc2", 3, 8, Fill.gaussian(random, 0.5), Fill.constant(0.05))
                .bytes();
        SafeTensors file = SafeTensors.read(bytes);
        return FeatureExtractor.extract(file, CheckpointMetadata.parse(file.metadata(), run), System.currentTimeMillis());
    }

    private static void send(String topic, String key, byte[] value) {
        KAFKA.writer().send(topic, key, value);
    }

    private static <T> List<T> readUntil(String topic, Class<T> type, Predicate<List<T>> done) {
        return KAFKA.reader().until(topic, type, done, WAIT);
    }

    private static HttpResponse<String> get(String path) {
        return Http.send(Http.request(scorer.port(), path).header("Authorization", "Bearer " + READ_TOKEN));
    }

    private static RunsView.RunDetail detail(String run) {
        return Json.read(get("/v1/runs/" + run).body().getBytes(StandardCharsets.UTF_8), RunsView.RunDetail.class);
    }

    @Test
    void everyFeatureVectorIsScoredWithThePublishedModelVersion() {
        List<Score> scores = readUntil(TOPICS.scores(), Score.class, l -> l.size() >= 5).stream()
                .filter(s -> !s.runId().equals("run-spectral")).toList();
        assertThat(scores).hasSize(3);
        assertThat(scores).allSatisfy(s -> {
            assertThat(s.modelVersion()).isEqualTo(MODEL_VERSION);
            assertThat(s.predictedFinalAccuracy()).isBetween(0.0, 1.0);
            assertThat(s.interval().level()).isEqualTo(0.8);
            assertThat(s.study()).isEqualTo(STUDY);
            assertThat(s.plannedSteps()).isEqualTo(4);
        });
        Score nan = scores.stream().filter(s -> s.runId().equals("run-a") && s.step() == 2).findFirst().orElseThrow();
        assertThat(nan.flags()).contains("nonfinite_weights");
    }

    @Test
    void theNonfiniteAlertReachesTheTopicAndBothWebhooksDespiteTwoFailures() throws Exception {
        List<Alert> alerts = readUntil(TOPICS.alerts(), Alert.class, l -> l.stream().anyMatch(a -> a.kind().equals(Alert.NONFINITE_WEIGHTS)));
        Alert a = alerts.stream().filter(x -> x.kind().equals(Alert.NONFINITE_WEIGHTS)).findFirst().orElseThrow();
        assertThat(a.runId()).isEqualTo("run-a");
        assertThat(a.step()).isEqualTo(2);
        assertThat(a.severity()).isEqualTo("critical");
        assertThat(a.modelVersion()).isEqualTo(MODEL_VERSION);
        assertThat(a.evidence()).containsEntry("nonfinite_values", 1).containsEntry("tensors", List.of("fc1.weight"));

        Await.until("alert delivered to /ok", WAIT, () -> delivered.stream().anyMatch(b -> b.contains(Alert.NONFINITE_WEIGHTS)));
        Await.until("alert delivered to /flaky after two 500s", WAIT, () -> flakyBodies.size() >= 3
                && flakyBodies.stream().skip(2).anyMatch(b -> b.contains(Alert.NONFINITE_WEIGHTS)));
        assertThat(flakyBodies.get(1)).as("a retry sends the same alert").isEqualTo(flakyBodies.get(0));
        assertThat(flakyHeaders).allSatisfy(h -> assertThat(h).isEqualTo("application/json weightcast"));
        Alert received = Json.read(delivered.get(0).getBytes(StandardCharsets.UTF_8), Alert.class);
        assertThat(received.runId()).isEqualTo("run-a");
        Await.until("delivery metric", WAIT, () -> MetricsText.valueOrNaN(scorer.metrics().registry(),
                "weightcast_webhook_deliveries_total{hook=\"webhooks-1\",outcome=\"delivered\"}") >= 1.0
                && MetricsText.valueOrNaN(scorer.metrics().registry(),
                "weightcast_webhook_deliveries_total{hook=\"webhooks-2\",outcome=\"delivered\"}") >= 1.0);
    }

    @Test
    void aSpectralCollapseArrivingOnTheSpectraTopicIsAlertedWithItsEvidence() throws Exception {
        List<Alert> alerts = readUntil(TOPICS.alerts(), Alert.class,
                l -> l.stream().anyMatch(a -> a.kind().equals(Alert.SPECTRAL_COLLAPSE)));
        assertThat(alerts.stream().filter(a -> a.kind().equals(Alert.SPECTRAL_COLLAPSE))).singleElement().satisfies(a -> {
            assertThat(a.runId()).isEqualTo("run-spectral");
            assertThat(a.step()).isEqualTo(2);
            assertThat(a.evidence().toString()).contains("fc1").contains("over-trained");
        });
    }

    @Test
    void aMalformedFeatureRecordIsDeadLetteredWithItsReason() {
        List<DeadLetter> letters = readUntil(TOPICS.deadLetters(), DeadLetter.class,
                l -> l.stream().anyMatch(d -> d.sourceTopic().equals(TOPICS.features())));
        assertThat(letters.stream().filter(d -> d.sourceTopic().equals(TOPICS.features()))).singleElement().satisfies(d -> {
            assertThat(d.service()).isEqualTo("scorer");
            assertThat(d.key()).isEqualTo("run-a");
            assertThat(d.reason()).startsWith("not a valid FeatureVector");
        });
    }

    @Test
    void anUndeliverableAlertIsDeadLetteredAfterTheRetriesAndItsOffsetCommitted() throws Exception {
        // every alert reaches the failing hook; the NaN run's is the one this test follows
        java.util.function.Predicate<DeadLetter> nanAlert = x -> x.sourceTopic().equals(TOPICS.alerts())
                && new String(java.util.Base64.getDecoder().decode(x.valueBase64()), StandardCharsets.UTF_8).contains(Alert.NONFINITE_WEIGHTS);
        List<DeadLetter> letters = readUntil(TOPICS.deadLetters(), DeadLetter.class, l -> l.stream().anyMatch(nanAlert));
        DeadLetter d = letters.stream().filter(nanAlert).findFirst().orElseThrow();
        assertThat(d.service()).isEqualTo("scorer-webhooks");
        assertThat(d.reason()).contains("webhook 'webhooks-3' (http://127.0.0.1:" + receiver.getAddress().getPort()
                + ") gave up after 6 attempts: HTTP 503");
        assertThat(new String(java.util.Base64.getDecoder().decode(d.valueBase64()), StandardCharsets.UTF_8)).contains(Alert.NONFINITE_WEIGHTS);
        assertThat(downRequests.get()).isGreaterThanOrEqualTo(6);
        assertThat(MetricsText.valueOrNaN(scorer.metrics().registry(), "weightcast_webhook_deliveries_total{hook=\"webhooks-3\",outcome=\"failed\"}")).isGreaterThanOrEqualTo(1.0);

        try (Admin admin = Admin.create(KafkaConfigs.admin(KAFKA.bootstrapServers()));
             KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaConfigs.consumer(KAFKA.bootstrapServers(), null),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(TOPICS.alerts()).stream().map(p -> new TopicPartition(TOPICS.alerts(), p.partition())).toList();
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            Await.until("webhook offsets committed up to the end of the alerts topic", WAIT, Await.ignoringFailures(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("it.scorer-webhooks")
                        .partitionsToOffsetAndMetadata().get();
                // a transaction marker follows each committed batch, so the end offset is one past the last alert
                return ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || committed.containsKey(e.getKey()) && committed.get(e.getKey()).offset() >= e.getValue() - 1);
            }));
        }
    }

    @Test
    void theRunDetailCarriesThePerLayerSpectraOfEachStepFromFeaturesAndFromTheSpectraTopic() {
        Await.until("run-spectral has the spectra of both steps", WAIT, Await.ignoringFailures(() -> detail("run-spectral").spectra().size() == 2));
        RunsView.RunDetail run = detail("run-spectral");
        assertThat(run.spectra()).extracting(RunsView.Spectra::step).containsExactly(1L, 2L);
        assertThat(run.spectra().get(0).layers()).containsOnlyKeys("fc1");
        assertThat(run.spectra().get(0).layers().get("fc1").alpha()).isEqualTo(3.1);   // inline, on the features record
        assertThat(run.spectra().get(1).layers().get("fc1").alpha()).isEqualTo(1.3);   // late, on the spectra topic
        assertThat(run.spectra().get(1).layers().get("fc1").numEvals()).isEqualTo(12);
        assertThat(get("/v1/runs/run-spectral").body()).contains("\"spectra\":[{\"step\":1,\"layers\":{\"fc1\":{");
        assertThat(detail("run-a").spectra()).as("features without spectra add none").isEmpty();
    }

    @Test
    void theHttpApiListsRunsWithTheirScoresAndAlerts() throws Exception {
        Await.until("both runs listed", WAIT, Await.ignoringFailures(() -> {
            HttpResponse<String> r = get("/v1/runs");
            return r.statusCode() == 200 && r.body().contains("\"run_id\":\"run-a\"") && r.body().contains("\"run_id\":\"run-b\"");
        }));
        Await.until("run-a has its two scores and its alert", WAIT, Await.ignoringFailures(() -> {
            RunsView.RunDetail run = detail("run-a");
            return run.scores().size() == 2 && !run.alerts().isEmpty();
        }));
        RunsView.RunDetail run = detail("run-a");
        assertThat(run.study()).isEqualTo(STUDY);
        assertThat(run.plannedSteps()).isEqualTo(4);
        assertThat(run.finished()).isFalse();
        assertThat(run.scores()).extracting(Score::step).containsExactly(1L, 2L);
        assertThat(run.alerts()).extracting(Alert::kind).contains(Alert.NONFINITE_WEIGHTS);
        assertThat(get("/v1/runs/nope").statusCode()).isEqualTo(404);
        // scorer.auth defaults to tokens: the API needs the read token, the probes and /metrics do not
        HttpResponse<String> anonymous = Http.get(scorer.port(), "/v1/runs");
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
        assertThat(anonymous.body()).contains("missing bearer token");
        assertThat(Http.send(Http.request(scorer.port(), "/v1/runs/run-a").header("Authorization", "Bearer wrong")).statusCode())
                .isEqualTo(401);
        assertThat(Http.get(scorer.port(), "/ready").statusCode()).isEqualTo(200);
        assertThat(Http.get(scorer.port(), "/metrics").statusCode()).isEqualTo(200);
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("weightcast_scorer_scores_total 5.0") // run-a 2, run-b 1, run-spectral 2
                .contains("weightcast_scorer_model_version " + MODEL_VERSION + ".0")
                .contains("weightcast_run_predicted_final_accuracy{run_id=\"run-b\",study=\"" + STUDY + "\"}")
                .contains("weightcast_scorer_dead_letters_total{reason=\"malformed_feature_vector\"} 1.0");
    }
}
