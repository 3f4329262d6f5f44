package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.MetricsText;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The scorer's live page in a real headless Chromium (e2e/live-page.mjs, playwright-core), against the
 * real stack in this JVM fed by a small zoo of real PyTorch runs. The browser connects first, so the
 * runs, predictions and the NaN run's NONFINITE_WEIGHTS alert all arrive over the live event stream.
 * A run whose id is HTML markup must show as plain text. Needs node, npm and Chromium
 * ({@code ./weightcast setup --test}); runs {@code npm ci} in e2e/ when playwright-core is not installed yet.
 */
class LivePageBrowserTest {
    private static final int RUNS = 14;
    /** Runs of the first phase: more than trainer.min.runs (6), so a model is fitted on them. */
    private static final int FIRST_RUNS = 8;
    private static final int EPOCHS = 4;
    private static final String PREFIX = "live-";
    private static final String MARKUP_RUN = "live-<img src=x onerror=\"window.__xss=1\"><b>&amp;</b>";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theLivePageShowsRunsPredictionsAndALiveAlertInARealBrowser() throws Exception {
        Path root = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
        System.setProperty("weightcast.home", root.toString());
        Path e2e = root.resolve("e2e");
        String node = tool("node");
        String npm = tool("npm");
        Path chromium = Path.of(Optional.ofNullable(System.getenv("WEIGHTCAST_CHROMIUM")).orElse("/usr/bin/chromium"));
        assertThat(Files.isExecutable(chromium)).as("Chromium at %s (install it: ./weightcast setup --test)", chromium).isTrue();
        installPlaywright(e2e, npm);

        Path dataDir = Files.createTempDirectory("weightcast-live-page");
        try (LocalStack stack = LocalStack.start(dataDir, 0, 0, Map.of("trainer.min.runs", "6"))) {
            assertThat(stack.awaitReady(90_000)).as("all services ready").isTrue();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(stack.bootstrapServers(), "live-page-test"),
                    new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(stack.settings().topics().runs(), MARKUP_RUN,
                        Json.bytes(RunEvent.started(MARKUP_RUN, "live", Map.of(), EPOCHS)))).get();
            }
            String url = "http://127.0.0.1:" + stack.scorer().port();
            Path screenshot = root.resolve("app/target/live-page-failure.png");
            Browser browser = Browser.start(e2e, List.of(node, "live-page.mjs", url,
                    "--runs", Integer.toString(RUNS + 1), "--predicted", "3", "--finished", Integer.toString(RUNS),
                    "--alerts", "1", "--alert-kind", Alert.NONFINITE_WEIGHTS, "--xss-run", MARKUP_RUN,
                    "--timeout", "150", "--chromium", chromium.toString(), "--screenshot", screenshot.toString()));
            JsonNode summary;
            try {
                browser.awaitReady(40);
                // two phases: the first runs (the NaN run among them) are the zoo the trainer fits its first model on; the
                // rest start once the scorer serves it, so their checkpoints get predictions whatever the machine's speed
                // (one zoo of 14 quick runs could finish before the first fit was out)
                try (ZooProcess zoo = ZooProcess.start(stack.bootstrapServers(),
                        new ZooProcess.Spec(FIRST_RUNS, EPOCHS, 2, 11, "live", PREFIX, stack.settings().topics().prefix(), true),
                        dataDir.resolve("zoo.log"), p -> { })) {
                    assertThat(zoo.waitFor()).as("zoo exit code (see %s)", dataDir.resolve("zoo.log")).isZero();
                }
                Await.until("the scorer serves a model", Duration.ofSeconds(120), () -> MetricsText.value(
                        MetricsText.scrape(stack.scorer().port()), "weightcast_scorer_model_version").orElse(0) >= 1);
                try (ZooProcess zoo = ZooProcess.start(stack.bootstrapServers(),
                        new ZooProcess.Spec(RUNS - FIRST_RUNS, EPOCHS, 2, 12, "live", PREFIX, stack.settings().topics().prefix(), false),
                        dataDir.resolve("zoo-2.log"), p -> { })) {
                    summary = browser.awaitSummary(210);
                    assertThat(zoo.waitFor()).as("zoo exit code (see %s)", dataDir.resolve("zoo-2.log")).isZero();
                }
            } finally {
                browser.close();
            }
            System.out.println("[LivePageBrowserTest] " + summary);

            assertThat(summary.get("ok").asBoolean()).as("browser test: %s", summary).isTrue();
            assertThat(summary.get("runs").asInt()).as("the zoo's runs and the markup run").isEqualTo(RUNS + 1);
            assertThat(summary.get("finished").asInt()).isEqualTo(RUNS);
            assertThat(summary.get("complete").asInt()).as("finished runs scored up to their last step").isEqualTo(RUNS);
            assertThat(summary.get("predicted").asInt()).isGreaterThanOrEqualTo(3).isEqualTo(summary.get("api_predicted").asInt());
            assertThat(summary.get("live_alerts").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(summary.get("alert_kinds").toString()).contains(Alert.NONFINITE_WEIGHTS);
            assertThat(summary.get("status").asText()).isEqualTo("live");
            assertThat(summary.get("model_version").asText()).matches("v\\d+");
            JsonNode chart = summary.get("chart");
            assertThat(chart.get("run").asText()).startsWith(PREFIX);
            assertThat(chart.get("points").asInt()).isPositive().isEqualTo(chart.get("api_points").asInt());
            assertThat(chart.get("val_acc_points").asInt()).as("the zoo reports val_acc every epoch").isEqualTo(EPOCHS);
            assertThat(chart.get("band").asBoolean()).isTrue();

            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("weightcast_scorer_live_clients 0.0").contains("weightcast_scorer_live_dropped_clients_total 0.0");
        }
    }

    /** The browser test's process: its stdout lines are JSON (a ready line, then the summary last). */
    private static final class Browser {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> all = new CopyOnWriteArrayList<>();
        private final Path stderr;
        private final Thread reader;

        private Browser(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        all.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "live-page-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Browser start(Path dir, List<String> command) throws IOException {
            Path stderr = Files.createTempFile("live-page", ".stderr");
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(stderr.toFile()).start();
            return new Browser(p, stderr);
        }

        void awaitReady(int seconds) throws Exception {
            long deadline = System.currentTimeMillis() + seconds * 1000L;
            while (System.currentTimeMillis() < deadline) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null && line.contains("\"event\":\"ready\"")) {
                    return;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
            fail("the browser test did not report the page live within %d s:%n%s", seconds, output());
        }

        JsonNode awaitSummary(int seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                fail("the browser test did not finish within %d s:%n%s", seconds, output());
            }
            // the reader ends at the end of stdout: after it, every line the process wrote is in `all`
            reader.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(reader.isAlive()).as("stdout of the browser test still open 30 s after it exited:%n%s", output()).isFalse();
            String last = all.isEmpty() ? "" : all.get(all.size() - 1);
            assertThat(process.exitValue()).as("browser test exit code; output:%n%s", output()).isZero();
            return Json.MAPPER.readTree(last);
        }

        String output() throws IOException {
            return "stdout:\n" + String.join("\n", all) + "\nstderr:\n" + Files.readString(stderr);
        }

        void close() {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
        }
    }

    /** playwright-core as e2e/package-lock.json pins it; npm ci only when it is missing or another version. */
    private static void installPlaywright(Path e2e, String npm) throws Exception {
        String pinned = Json.MAPPER.readTree(e2e.resolve("package-lock.json").toFile())
                .path("packages").path("node_modules/playwright-core").path("version").asText();
        assertThat(pinned).as("playwright-core pinned in e2e/package-lock.json").isNotEmpty();
        Path installed = e2e.resolve("node_modules/playwright-core/package.json");
        if (Files.isRegularFile(installed) && pinned.equals(Json.MAPPER.readTree(installed.toFile()).path("version").asText())) {
            return;
        }
        Process p = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund").directory(e2e.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("npm ci in %s finished", e2e).isTrue();
        assertThat(p.exitValue()).as("npm ci in %s:%n%s", e2e, out).isZero();
    }

    /** The tool's path on PATH; fails the test with how to install it. */
    private static String tool(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/bin");
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail("%s is not installed (the live page's browser test needs node, npm and chromium: ./weightcast setup --test)", name);
    }
}
