package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's {@code /usr/bin/prometheus}) scrapes the four services of a real local stack and
 * loads the project's alert rules ({@code dashboards/prometheus/alerts.yml}); asserted through its HTTP API:
 * every target up, weightcast metrics from each service queryable (traffic included), every rule group loaded
 * and every rule evaluated without error. {@code promtool} checks the rules file and the generated config too.
 */
class PrometheusScrapeTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> SERVICES = List.of("ingest", "streams", "scorer", "trainer");

    private static Path dir;
    private static LocalStack stack;
    private static Process prometheus;
    private static String api;

    @BeforeAll
    static void startStackAndPrometheus() throws Exception {
        assertThat(Files.isExecutable(PROMETHEUS))
                .as("%s is missing: install Debian's prometheus package (./weightcast setup --test, or dashboards/validate.sh --install)", PROMETHEUS)
                .isTrue();
        dir = Files.createTempDirectory("weightcast-prometheus");
        stack = LocalStack.start(dir.resolve("stack"), 0, 0, Map.of());
        assertThat(stack.awaitReady(60_000)).as("all services ready").isTrue();

        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(ports(), rulesFile()));
        int port = freePort();
        api = "http://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        await("Prometheus ready at " + api + " (log: " + dir.resolve("prometheus.log") + ")", 20_000,
                () -> status(api + "/-/ready") == 200);

        // some traffic, so counters move: a run event and a checkpoint through ingest
        post("/v1/runs/prom-run/events", Json.bytes(Map.of("type", "started", "run_id", "prom-run", "planned_steps", 3,
                "timestamp", System.currentTimeMillis())), "application/json");
        post("/v1/runs/prom-run/checkpoints?step=1", checkpoint(), "application/octet-stream");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyServiceIsAHealthyTarget() throws Exception {
        await("all four targets up", 20_000, () -> upJobs().containsAll(jobs()));
        JsonNode targets = get("/api/v1/targets").path("data").path("activeTargets");
        assertThat(targets).hasSize(SERVICES.size());
        for (JsonNode t : targets) {
            assertThat(t.path("health").asText()).as("target %s: %s", t.path("scrapeUrl").asText(), t.path("lastError").asText())
                    .isEqualTo("up");
        }
    }

    @Test
    void weightcastMetricsOfEveryServiceAreQueryable() throws Exception {
        await("weightcast_ metrics from every job", 20_000,
                () -> jobsOf("count by (job) ({__name__=~\"weightcast_.+\"})").containsAll(jobs()));
        // one named metric per service, and the traffic of the setup
        await("the checkpoint counted by ingest and streams", 30_000,
                () -> value("sum(weightcast_ingest_checkpoints_total{job=\"weightcast-ingest\"})") >= 1
                        && value("sum(weightcast_streams_checkpoints_processed_total{job=\"weightcast-streams\"})") >= 1);
        assertThat(jobsOf("weightcast_scorer_model_version")).containsExactly("weightcast-scorer");
        assertThat(jobsOf("weightcast_trainer_zoo_runs")).containsExactly("weightcast-trainer");
        // the consumer-lag gauge of the three consuming services
        await("consumer lag from streams, scorer and trainer", 30_000, () -> jobsOf("weightcast_consumer_lag_records")
                .containsAll(List.of("weightcast-streams", "weightcast-scorer", "weightcast-trainer")));
        // the trainer (group-less: its positions) has read features, runs and models to the end; streams caught up too
        await(() -> "trainer and streams lag 0; now: " + series("weightcast_consumer_lag_records"), 30_000,
                () -> value("count(weightcast_consumer_lag_records{job=\"weightcast-trainer\",topic=~\"weightcast[.](features|runs|models)\"})") == 3
                        && value("sum(weightcast_consumer_lag_records{job=\"weightcast-trainer\"})") == 0
                        && value("sum(weightcast_consumer_lag_records{job=\"weightcast-streams\"})") == 0);
    }

    @Test
    void theProjectsAlertRulesLoadAndEvaluate() throws Exception {
        int rulesInFile = count(Files.readString(rulesFile()), Pattern.compile("^\\s*- alert:", Pattern.MULTILINE));
        assertThat(rulesInFile).as("alerts.yml has rules").isPositive();
        await("every rule evaluated", 30_000, () -> {
            List<JsonNode> rules = rules();
            return rules.size() == rulesInFile && rules.stream().allMatch(r -> !r.path("health").asText().equals("unknown"));
        });
        List<JsonNode> rules = rules();
        assertThat(rules).hasSize(rulesInFile);
        for (JsonNode r : rules) {
            assertThat(r.path("health").asText()).as("rule %s: %s", r.path("name").asText(), r.path("lastError").asText())
                    .isEqualTo("ok");
        }
        // the services are up, so the service-down alert is neither pending nor firing
        for (JsonNode a : get("/api/v1/alerts").path("data").path("alerts")) {
            assertThat(a.path("labels").path("alertname").asText()).isNotEqualTo("WeightcastServiceDown");
        }
    }

    @Test
    void promtoolAcceptsTheRulesAndTheGeneratedConfig() throws Exception {
        assertThat(Files.isExecutable(PROMTOOL)).as("%s is missing (Debian package prometheus)", PROMTOOL).isTrue();
        assertThat(run(PROMTOOL.toString(), "check", "rules", rulesFile().toString())).contains("SUCCESS");
        assertThat(run(PROMTOOL.toString(), "check", "config", dir.resolve("prometheus.yml").toString())).contains("SUCCESS");
    }

    // ------------------------------------------------------------------ the Prometheus config

    private static Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("ingest", stack.ingest().port());
        ports.put("streams", stack.streams().port());
        ports.put("scorer", stack.scorer().port());
        ports.put("trainer", stack.trainer().port());
        return ports;
    }

    /** The same job names and labels as dashboards/prometheus/prometheus.yml (the rules select on them), local ports. */
    static String config(Map<String, Integer> ports, Path rules) {
        StringBuilder y = new StringBuilder();
        y.append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
        y.append("rule_files:\n  - ").append(quoted(rules.toString())).append('\n');
        y.append("scrape_configs:\n");
        ports.forEach((service, port) -> y.append("  - job_name: weightcast-").append(service).append('\n')
                .append("    metrics_path: /metrics\n")
                .append("    static_configs:\n")
                .append("      - targets: [\"127.0.0.1:").append(port).append("\"]\n")
                .append("        labels: {service: ").append(service).append("}\n"));
        return y.toString();
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Path rulesFile() {
        Path root = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
        Path file = root.resolve("dashboards/prometheus/alerts.yml");
        return Files.exists(file) ? file : Path.of("..", "dashboards", "prometheus", "alerts.yml").toAbsolutePath().normalize();
    }

    private static Set<String> jobs() {
        Set<String> jobs = new TreeSet<>();
        SERVICES.forEach(s -> jobs.add("weightcast-" + s));
        return jobs;
    }

    // ------------------------------------------------------------------ Prometheus HTTP API

    private static Set<String> upJobs() {
        Set<String> up = new TreeSet<>();
        for (JsonNode t : get("/api/v1/targets").path("data").path("activeTargets")) {
            if (t.path("health").asText().equals("up")) {
                up.add(t.path("labels").path("job").asText());
            }
        }
        return up;
    }

    /** The jobs of an instant query's result series. */
    private static Set<String> jobsOf(String promql) {
        Set<String> jobs = new TreeSet<>();
        for (JsonNode series : query(promql)) {
            jobs.add(series.path("metric").path("job").asText());
        }
        return jobs;
    }

    /** An instant query's series as "labels=value" lines, for failure messages. */
    private static String series(String promql) {
        StringBuilder out = new StringBuilder();
        for (JsonNode r : query(promql)) {
            out.append('\n').append(r.path("metric")).append(" = ").append(r.path("value").get(1).asText());
        }
        return out.toString();
    }

    /** The first series' value of an instant query (NaN without a result). */
    private static double value(String promql) {
        JsonNode result = query(promql);
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static JsonNode query(String promql) {
        JsonNode r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertThat(r.path("status").asText()).as("query %s: %s", promql, r).isEqualTo("success");
        return r.path("data").path("result");
    }

    private static List<JsonNode> rules() {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : get("/api/v1/rules").path("data").path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    private static JsonNode get(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void post(String path, byte[] body, String type) {
        HttpResponse<String> r = Http.post(stack.ingest().port(), path, type, body);
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(202);
    }

    private static byte[] checkpoint() {
        return CheckpointBuilder.empty()
                .meta(Map.of("run_id", "prom-run", "step", "1", "planned_steps", "3", "framework", "pytorch", "activation", "relu"))
                .dense("fc", 8, 4, Fill.sine(0, 0.3), Fill.zeros())
                .bytes();
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    private static int count(String text, Pattern pattern) {
        Matcher m = pattern.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Prometheus answers with errors or partial JSON while it starts and scrapes: a failure there means "not yet". */
    private static void await(String what, long timeoutMillis, Await.Condition condition) {
        await(() -> what, timeoutMillis, condition);
    }

    private static void await(Supplier<String> what, long timeoutMillis, Await.Condition condition) {
        Await.until(what, Duration.ofMillis(timeoutMillis), Await.ignoringFailures(condition));
    }
}
