package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.ContractValidator;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import io.weightcast.testkit.TopicReader;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboards and alert rules may only name metrics listed in dashboards/metrics.txt; this test
 * proves that list against what the four services really export. A real local stack gets enough
 * traffic that every labelled metric has a series (the Prometheus client writes no TYPE line for a
 * labelled metric that was never touched): finished runs so the trainer fits and publishes, a
 * scored active run, a NaN checkpoint (alert, webhook delivery), a rejected request and malformed
 * records on the checkpoints and features topics (dead letters).
 */
class ExportedMetricsTest {
    private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
    private static final Pattern SAMPLE = Pattern.compile("^(weightcast_\\w+)(?:\\{[^}]*})? (\\S+)", Pattern.MULTILINE);
    private static final int FINISHED_RUNS = 6;
    private static final int STEPS = 3;

    private static LocalStack stack;
    private static HttpServer webhook;

    @BeforeAll
    static void startStackAndPushTraffic() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
        Path dataDir = Files.createTempDirectory("weightcast-metrics");
        stack = LocalStack.start(dataDir, 0, 0, Map.of(
                "trainer.min.runs", "4",
                "trainer.refit.every", "100",
                // a tiny encoder once the zoo has weights: the embedding and per-task metrics get their series
                "trainer.encoder.enabled", "true", "trainer.encoder.min.runs", "4", "trainer.encoder.epochs", "1", "trainer.encoder.d.model", "16",
                "trainer.encoder.heads", "2", "trainer.encoder.blocks", "1", "trainer.encoder.embedding.dim", "4",
                "scorer.webhooks", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
        assertThat(stack.awaitReady(60_000)).as("all services ready").isTrue();

        // A zoo of finished runs whose final accuracy grows with their weight scale: the trainer fits on it.
        for (int run = 0; run < FINISHED_RUNS; run++) {
            String id = "metrics-" + run;
            postEvent(id, Map.of("type", "started", "run_id", id, "study", "metrics", "planned_steps", STEPS,
                    "hparams", Map.of("lr", 0.01 * (run + 1)), "timestamp", System.currentTimeMillis()));
            for (int step = 1; step <= STEPS; step++) {
                assertThat(postCheckpoint(id, step, checkpoint(id, step, 0.1 + 0.05 * run, false)).statusCode()).isEqualTo(202);
            }
            postEvent(id, Map.of("type", "finished", "run_id", id, "study", "metrics",
                    "final", Map.of("test_accuracy", 0.5 + 0.07 * run), "timestamp", System.currentTimeMillis()));
        }
        // Refused at the door: counted in the rejected-by-reason counter.
        assertThat(postCheckpoint("metrics-bad", 1, "not a safetensors file".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isBetween(400, 499);
        // Malformed records behind ingest's back: streams and scorer dead-letter them, the trainer skips them.
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(stack.bootstrapServers(), "metrics-test"),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(stack.settings().topics().checkpoints(), "metrics-garbage",
                    "garbage".getBytes(StandardCharsets.UTF_8))).get();
            p.send(new ProducerRecord<>(stack.settings().topics().features(), "metrics-garbage",
                    "{not json".getBytes(StandardCharsets.UTF_8))).get();
        }

        Await.until("the trainer published and the scorer loaded a model", Duration.ofMillis(40_000),
                () -> value(MetricsText.scrape(stack.scorer().port()), "weightcast_scorer_model_version") >= 1);

        // An active run scored with the model (prediction gauge), then a NaN checkpoint (alert, webhook).
        String active = "metrics-active";
        postEvent(active, Map.of("type", "started", "run_id", active, "study", "metrics", "planned_steps", STEPS,
                "timestamp", System.currentTimeMillis()));
        assertThat(postCheckpoint(active, 1, checkpoint(active, 1, 0.2, false)).statusCode()).isEqualTo(202);
        assertThat(postCheckpoint(active, 2, checkpoint(active, 2, 0.2, true)).statusCode()).isEqualTo(202);
        Await.until("scores for the active run at the scorer", Duration.ofMillis(20_000), () -> Http.bodyOrEmpty(stack.scorer().port(), "/v1/runs").contains(active));
        Await.until("a webhook delivery counted", Duration.ofMillis(20_000),
                () -> value(MetricsText.scrape(stack.scorer().port()), "weightcast_webhook_deliveries_total") >= 1);
        Await.until("the trainer trained an encoder and compared the predictor's inputs by task", Duration.ofMillis(60_000),
                () -> MetricsText.scrape(stack.trainer().port()).contains("weightcast_trainer_task_holdout_r2{"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    @Test
    void metricsTxtListsExactlyTheMetricsTheServicesExport() throws Exception {
        Map<String, String> exported = new TreeMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("ingest", stack.ingest().port());
        ports.put("streams", stack.streams().port());
        ports.put("scorer", stack.scorer().port());
        ports.put("trainer", stack.trainer().port());
        for (Map.Entry<String, Integer> service : ports.entrySet()) {
            for (String name : exposedNames(MetricsText.scrape(service.getValue()))) {
                exported.merge(name, service.getKey(), (a, b) -> a + "," + b);
            }
        }
        List<String> listed = Files.readAllLines(metricsTxt()).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();

        Set<String> missing = new TreeSet<>(listed);
        missing.removeAll(exported.keySet());
        Set<String> unlisted = new TreeSet<>(exported.keySet());
        unlisted.removeAll(listed);
        System.out.println("[ExportedMetricsTest] exported weightcast_ metrics (metric -> service): " + exported);
        System.out.println("[ExportedMetricsTest] listed in metrics.txt but exported by no service: " + missing);
        System.out.println("[ExportedMetricsTest] exported but not listed in metrics.txt: " + unlisted);

        assertThat(listed).as("metrics.txt").isNotEmpty();
        assertThat(missing).as("metrics.txt names metrics that no service exports").isEmpty();
        // metrics.txt is the complete catalogue the dashboards draw from: a new metric must be listed.
        assertThat(unlisted).as("metrics the services export that metrics.txt does not list").isEmpty();
    }

    @Test
    void theTrafficShowsUpInTheCounters() throws Exception {
        String ingest = MetricsText.scrape(stack.ingest().port());
        assertThat(value(ingest, "weightcast_ingest_checkpoints_total")).isEqualTo(FINISHED_RUNS * STEPS + 2);
        assertThat(value(MetricsText.scrape(stack.streams().port()), "weightcast_streams_dead_letters_total")).isGreaterThanOrEqualTo(1);
        String scorer = MetricsText.scrape(stack.scorer().port());
        assertThat(value(scorer, "weightcast_scorer_alerts_total")).isGreaterThanOrEqualTo(1);
        assertThat(value(scorer, "weightcast_scorer_dead_letters_total")).isGreaterThanOrEqualTo(1);
        assertThat(value(MetricsText.scrape(stack.trainer().port()), "weightcast_trainer_fits_total")).isGreaterThanOrEqualTo(1);
    }

    /**
     * Base names as metrics.txt lists them, from the TYPE lines of a text exposition: counters end in
     * {@code _total} (the 1.x client writes it in the TYPE line of the text format, OpenMetrics does not),
     * histograms and gauges keep their name (their series add {@code _bucket/_count/_sum}).
     */
    static Set<String> exposedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        Matcher m = TYPE_LINE.matcher(exposition);
        while (m.find()) {
            String name = m.group(1);
            if (!name.startsWith("weightcast_")) {
                continue;
            }
            names.add("counter".equals(m.group(2)) && !name.endsWith("_total") ? name + "_total" : name);
        }
        return names;
    }

    @Test
    void exposedNamesFollowTheClientsNaming() {
        String text = String.join("\n",
                "# TYPE weightcast_a_total counter", "weightcast_a_total 1.0",
                "# TYPE weightcast_b counter", "weightcast_b_total 1.0",
                "# TYPE weightcast_c_seconds histogram", "weightcast_c_seconds_bucket{le=\"+Inf\"} 1",
                "# TYPE weightcast_d gauge", "# TYPE jvm_x gauge", "");
        assertThat(exposedNames(text)).containsExactly("weightcast_a_total", "weightcast_b_total", "weightcast_c_seconds", "weightcast_d");
    }

    /** Sum of a metric's samples over all label sets (0 when absent). */
    private static double value(String exposition, String sample) {
        double sum = 0;
        Matcher m = SAMPLE.matcher(exposition);
        while (m.find()) {
            if (m.group(1).equals(sample)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
    /** The contract's other half: every record the stack wrote to a topic passes its schema in docs/contract, strictly. */
    @Test
    void everyRecordTheStackWroteValidatesAgainstItsSchemaInDocsContract() {
        ContractValidator contract = ContractValidator.of(ContractValidator.committedDir());
        Topics topics = stack.settings().topics();
        Map<String, String> byTopic = new LinkedHashMap<>();
        byTopic.put("runs", topics.runs());
        byTopic.put("features", topics.features());
        byTopic.put("spectra", topics.spectra());
        byTopic.put("scores", topics.scores());
        byTopic.put("alerts", topics.alerts());
        byTopic.put("models", topics.models());
        byTopic.put("encoders", topics.encoders());
        byTopic.put("dead-letters", topics.deadLetters());
        TopicReader reader = new TopicReader(stack.bootstrapServers());
        Map<String, Integer> checked = new TreeMap<>();
        List<String> violations = new java.util.ArrayList<>();
        for (var record : reader.toEnd(topics.checkpoints())) {
            if (!"metrics-garbage".equals(record.key())) { // written as garbage on purpose
                String metadata = Json.string(SafeTensors.read(record.value()).metadata());
                contract.strictErrors("checkpoints.metadata", metadata).forEach(e -> violations.add("checkpoints " + e + " in " + metadata));
                checked.merge("checkpoints.metadata", 1, Integer::sum);
            }
        }
        for (Map.Entry<String, String> topic : byTopic.entrySet()) {
            for (var record : reader.toEnd(topic.getValue())) {
                if (!("features".equals(topic.getKey()) && "metrics-garbage".equals(record.key()))) { // garbage on purpose
                    String value = new String(record.value(), StandardCharsets.UTF_8);
                    contract.strictErrors(topic.getKey(), value).forEach(e -> violations.add(topic.getKey() + " " + e));
                    checked.merge(topic.getKey(), 1, Integer::sum);
                }
            }
        }
        System.out.println("[ExportedMetricsTest] records checked against docs/contract by topic: " + checked);

        assertThat(violations).isEmpty();
        assertThat(checked.keySet()).contains("checkpoints.metadata", "runs", "features", "scores", "alerts", "models",
                "encoders", "dead-letters");
    }

    private static Path metricsTxt() {
        Path root = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
        Path file = root.resolve("dashboards/metrics.txt");
        return Files.exists(file) ? file : Path.of("..", "dashboards", "metrics.txt");
    }

    /** A small two-layer ReLU MLP; {@code scale} sets the weight spread, {@code nan} poisons one weight. */
    private static byte[] checkpoint(String run, int step, double scale, boolean nan) {
        Random random = new Random(run.hashCode() * 31L + step);
        Fill w1 = Fill.gaussian(random, scale * (1 + 0.1 * step));
        String metrics = Json.MAPPER.valueToTree(Map.of("train_loss", 1.0 / step, "val_acc", 0.5 + 0.05 * step)).toString();
        return CheckpointBuilder.empty()
                .meta(Map.of("run_id", run, "step", Integer.toString(step), "planned_steps", Integer.toString(STEPS),
                        "framework", "pytorch", "activation", "relu", "study", "metrics", "metrics", metrics,
                        // as the Python client sends them; the seed is no feature: the unread-hparams counter gets its series
                        "hparams", "{\"lr\":0.01,\"seed\":" + step + "}"))
                .dense("fc1", 16, 8, nan ? w1.withNaNAt(3) : w1, Fill.gaussian(random, 0.01))
                .dense("fc2", 4, 16, Fill.gaussian(random, scale), Fill.gaussian(random, 0.01))
                .bytes();
    }

    private static HttpResponse<String> postCheckpoint(String run, int step, byte[] body) {
        return Http.post(stack.ingest().port(), "/v1/runs/" + run + "/checkpoints?step=" + step, "application/octet-stream", body);
    }

    private static void postEvent(String run, Map<String, Object> event) {
        HttpResponse<String> r = Http.post(stack.ingest().port(), "/v1/runs/" + run + "/events", "application/json", Json.bytes(event));
        assertThat(r.statusCode()).as("event %s: %s", event.get("type"), r.body()).isEqualTo(202);
    }
}
