package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Named hooks end to end on a real broker and the real ScorerService: one checkpoint's features raise
 * NONFINITE_WEIGHTS (critical) and DYING_RELU (warning); a signed Slack hook for NONFINITE_WEIGHTS, an
 * Alertmanager hook for critical alerts of the study, a JSON hook for DYING_RELU and a JSON hook for
 * another study each get exactly what their filters select, in their format.
 */
class WebhookFormatsIntegrationTest {
    private static final Topics TOPICS = new Topics("wh.");
    private static final String STUDY = "wh-study";
    private static final String SLACK_SECRET = "slack-signing-secret";

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;
    private static HttpServer receiver;
    private static final Map<String, List<byte[]>> bodies = new ConcurrentHashMap<>();
    private static final Map<String, List<Map<String, String>>> headers = new ConcurrentHashMap<>();

    @BeforeAll
    static void startEverything() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        for (String path : List.of("slack", "am", "relu", "other")) {
            bodies.put(path, new CopyOnWriteArrayList<>());
            headers.put(path, new CopyOnWriteArrayList<>());
            receiver.createContext("/" + path, ex -> {
                bodies.get(path).add(ex.getRequestBody().readAllBytes());
                Map<String, String> h = new ConcurrentHashMap<>();
                ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
                headers.get(path).add(h);
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
        }
        receiver.start();
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Map<String, String> s = new java.util.HashMap<>(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, TOPICS.prefix(),
                "scorer.port", "0",
                "scorer.auth", "none",
                "scorer.state.dir", EmbeddedKafka.tempDir().toString()));
        s.putAll(Map.of(
                "scorer.hook.slack.url", base + "/slack",
                "scorer.hook.slack.format", "slack",
                "scorer.hook.slack.kinds", "NONFINITE_WEIGHTS",
                "scorer.hook.slack.secret", SLACK_SECRET,
                "scorer.hook.am.url", base + "/am",
                "scorer.hook.am.format", "alertmanager",
                "scorer.hook.am.min.severity", "critical",
                "scorer.hook.am.studies", STUDY));
        s.putAll(Map.of(
                "scorer.hook.relu.url", base + "/relu",
                "scorer.hook.relu.kinds", "DYING_RELU",
                "scorer.hook.other.url", base + "/other",
                "scorer.hook.other.studies", "another-study"));
        scorer = new ScorerService(Settings.of(s));
        scorer.start();
        Await.until("streams RUNNING", WAIT, scorer::ready);

        // One NaN and a layer 60% dead: NONFINITE_WEIGHTS (critical) + DYING_RELU (warning, threshold 0.5).
        FeatureVector fv = new FeatureVector("run-x", 1, 4, STUDY, "relu", FeatureLayout.VERSION, new double[FeatureLayout.size()],
                new Health(1, List.of("fc1.weight"), Map.of("fc1", 0.6)), System.currentTimeMillis(), System.currentTimeMillis());
        KAFKA.writer().sendJson(TOPICS.features(), "run-x", fv);
        Await.until("slack and relu hooks got their alert", WAIT, () -> !bodies.get("slack").isEmpty() && !bodies.get("relu").isEmpty()
                && !bodies.get("am").isEmpty());
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

    private static double delivered(String hook) {
        return MetricsText.valueOrNaN(scorer.metrics().registry(), "weightcast_webhook_deliveries_total{hook=\"" + hook + "\",outcome=\"delivered\"}");
    }

    private static String hmacHex(String secret, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(data));
    }

    @Test
    void theSlackHookGetsASignedSlackMessageForTheNonfiniteAlertOnly() throws Exception {
        assertThat(bodies.get("slack")).hasSize(1);
        byte[] raw = bodies.get("slack").get(0);
        JsonNode body = Json.MAPPER.readTree(raw);
        assertThat(body.get("text").asText()).isEqualTo(":red_circle: NONFINITE_WEIGHTS (critical) for run run-x at step 1");
        assertThat(body.get("blocks").get(0).get("type").asText()).isEqualTo("section");
        assertThat(body.get("blocks").get(1).get("fields").get(1).get("text").asText()).isEqualTo("*Study*\n" + STUDY);
        assertThat(body.get("blocks").get(3).get("elements").get(0).get("text").asText())
                .contains("<http://127.0.0.1:" + scorer.port() + "/v1/runs/run-x|run details>");
        Map<String, String> h = headers.get("slack").get(0);
        assertThat(h.get("x-weightcast-signature")).isEqualTo("sha256=" + hmacHex(SLACK_SECRET, raw));
        String ts = h.get("x-weightcast-timestamp");
        assertThat(Math.abs(Long.parseLong(ts) - System.currentTimeMillis() / 1000)).isLessThan(120);
        byte[] signed = (ts + "." + new String(raw, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        assertThat(h.get("x-weightcast-signature-timestamped")).isEqualTo("sha256=" + hmacHex(SLACK_SECRET, signed));
        assertThat(h.get("content-type")).isEqualTo("application/json");
    }

    @Test
    void theAlertmanagerHookGetsTheCriticalAlertAsAnApiV2Array() throws Exception {
        assertThat(bodies.get("am")).as("the warning-level DYING_RELU is filtered out").hasSize(1);
        JsonNode body = Json.MAPPER.readTree(bodies.get("am").get(0));
        assertThat(body.isArray()).isTrue();
        assertThat(body).hasSize(1);
        JsonNode a = body.get(0);
        assertThat(Json.MAPPER.convertValue(a.get("labels"), Map.class)).isEqualTo(Map.of("alertname", "WeightcastNonfiniteWeights",
                "run_id", "run-x", "study", STUDY, "severity", "critical", "kind", "NONFINITE_WEIGHTS"));
        assertThat(a.get("annotations").get("summary").asText()).isEqualTo("NONFINITE_WEIGHTS (critical) for run run-x at step 1");
        assertThat(Json.MAPPER.readTree(a.get("annotations").get("evidence").asText()).get("tensors").get(0).asText()).isEqualTo("fc1.weight");
        assertThat(Instant.parse(a.get("startsAt").asText())).isAfter(Instant.now().minusSeconds(300));
        assertThat(headers.get("am").get(0)).doesNotContainKey("x-weightcast-signature");
        String generator = a.get("generatorURL").asText();
        assertThat(generator).isEqualTo("http://127.0.0.1:" + scorer.port() + "/v1/runs/run-x");
        Await.until("the generatorURL answers with the run", WAIT, Await.ignoringFailures(() -> {
            HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(generator)));
            return r.statusCode() == 200 && r.body().contains("\"run_id\":\"run-x\"");
        }));
    }

    @Test
    void jsonHooksGetTheRecordAsIsAndOnlyWhatTheirFiltersSelect() throws Exception {
        assertThat(bodies.get("relu")).hasSize(1);
        Alert relu = Json.read(bodies.get("relu").get(0), Alert.class);
        assertThat(relu.kind()).isEqualTo(Alert.DYING_RELU);
        assertThat(relu.severity()).isEqualTo("warning");
        assertThat(relu.evidence()).containsEntry("layer", "fc1");
        // "other" wants another study: the notifier never queues either alert for it
        assertThat(bodies.get("other")).as("another study's hook").isEmpty();
        // counted once the receiver's answer is back, a moment after it saw the body
        Await.until("delivery metrics per hook", WAIT, () -> delivered("slack") == 1.0 && delivered("relu") == 1.0 && delivered("am") == 1.0);
        assertThat(MetricsText.valueOrNaN(scorer.metrics().registry(), "weightcast_webhook_deliveries_total{hook=\"other\",outcome=\"delivered\"}"))
                .isNaN();
    }
}
