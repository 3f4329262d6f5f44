package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live stream and page on a real Vert.x HTTP server with real HTTP clients; the view is fed directly,
 * as {@link RunsViewFeeder} does with the committed records.
 */
class LiveEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RunsView view = new RunsView();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private Vertx vertx;
    private int port;

    private void startServer(int queueEvents, long heartbeatMillis) {
        vertx = Vertx.vertx();
        ScorerHttpVerticle http = new ScorerHttpVerticle("127.0.0.1", 0, view, registry, () -> true, queueEvents, heartbeatMillis);
        vertx.deployVerticle(http).await();
        port = http.port();
    }

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
    }

    static Score score(String run, long step, Double predicted, Integer model) {
        return new Score(run, step, 4, "s", predicted, predicted == null ? null : new Interval(0.8, predicted - 0.05, predicted + 0.04),
                null, model, List.of(), 1, 1L, System.currentTimeMillis(), predicted == null ? "no model yet" : null);
    }

    static Alert alert(String run, long step, String padding) {
        return new Alert(run, step, Alert.NONFINITE_WEIGHTS, "critical", Map.of("nonfinite_values", 3, "note", padding), 2, "s",
                System.currentTimeMillis());
    }

    @Test
    void aClientGetsTheSnapshotThenEveryChangeAsItIsApplied() throws Exception {
        view.onRunEvent("run-a", RunEvent.started("run-a", "s", Map.of(), 4));
        view.onScore(score("run-a", 1, 0.71, 2));
        view.onAlert(alert("run-a", 1, ""));
        startServer(ScorerHttpVerticle.LIVE_QUEUE_EVENTS, ScorerHttpVerticle.LIVE_HEARTBEAT_MILLIS);

        try (SseClient client = SseClient.connect(port, null)) {
            assertThat(client.response.statusCode()).isEqualTo(200);
            assertThat(client.response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            SseClient.Event snapshot = client.next(WAIT);
            assertThat(snapshot.type()).isEqualTo("snapshot");
            assertThat(snapshot.data().get("model_version").asInt()).isEqualTo(2);
            JsonNode row = snapshot.data().get("runs").get(0);
            assertThat(row.get("run_id").asText()).isEqualTo("run-a");
            assertThat(row.get("step").asLong()).isEqualTo(1);
            assertThat(row.get("planned_steps").asInt()).isEqualTo(4);
            assertThat(row.get("predicted_final_accuracy").asDouble()).isEqualTo(0.71);
            assertThat(row.get("interval").get("low").asDouble()).isEqualTo(0.71 - 0.05);
            assertThat(row.get("alerts").asInt()).isEqualTo(1);
            assertThat(row.get("last_alert").get("kind").asText()).isEqualTo(Alert.NONFINITE_WEIGHTS);
            assertThat(snapshot.data().get("alerts")).hasSize(1);
            Await.until("one live client in the gauge", WAIT, () -> metric("weightcast_scorer_live_clients") == 1.0);

            view.onScore(score("run-b", 1, null, null));
            SseClient.Event scored = client.next(WAIT);
            assertThat(scored.type()).isEqualTo("score");
            assertThat(scored.data().get("run").get("run_id").asText()).isEqualTo("run-b");
            assertThat(scored.data().get("run").get("predicted_final_accuracy").isNull()).isTrue();
            assertThat(scored.data().get("score").get("note").asText()).isEqualTo("no model yet");

            view.onAlert(alert("run-b", 1, "<script>alert(1)</script>"));
            SseClient.Event raised = client.next(WAIT);
            assertThat(raised.type()).isEqualTo("alert");
            assertThat(raised.data().get("alert").get("evidence").get("note").asText()).isEqualTo("<script>alert(1)</script>");
            assertThat(raised.data().get("run").get("alerts").asInt()).isEqualTo(1);

            view.onRunEvent("run-a", new RunEvent("metrics", "run-a", null, null, null, 2L, Map.of("val_acc", 0.66), null, 1L));
            view.onRunEvent("run-a", RunEvent.finished("run-a", "s", Map.of("test_accuracy", 0.74)));
            SseClient.Event metrics = client.next(WAIT);
            assertThat(metrics.type()).isEqualTo("run");
            assertThat(metrics.data().get("type").asText()).isEqualTo("metrics");
            assertThat(metrics.data().get("metrics").get("val_acc").asDouble()).isEqualTo(0.66);
            SseClient.Event finished = client.next(WAIT);
            assertThat(finished.data().get("type").asText()).isEqualTo("finished");
            assertThat(finished.data().get("run").get("finished").asBoolean()).isTrue();
            assertThat(finished.data().get("run").get("final_accuracy").asDouble()).isEqualTo(0.74);

            List<Long> seqs = List.of(snapshot, scored, raised, metrics, finished).stream()
                    .map(e -> Long.parseLong(e.id().substring(e.id().indexOf('-') + 1))).toList();
            assertThat(seqs).as("event ids grow one by one after the snapshot's").isSorted().doesNotHaveDuplicates();
            assertThat(seqs.get(4) - seqs.get(0)).isEqualTo(4);

            // The run detail the page's chart reads carries the reported val_acc and the final accuracy.
            JsonNode detail = Json.MAPPER.readTree(get("/v1/runs/run-a").body());
            assertThat(detail.get("reported").get(0).get("step").asLong()).isEqualTo(2);
            assertThat(detail.get("reported").get(0).get("metrics").get("val_acc").asDouble()).isEqualTo(0.66);
            assertThat(detail.get("final_accuracy").asDouble()).isEqualTo(0.74);
        }
        Await.until("the gauge counts the client out when it leaves", WAIT, () -> metric("weightcast_scorer_live_clients") == 0.0);
    }

    @Test
    void aReconnectWithLastEventIdGetsOnlyWhatItMissed() throws Exception {
        startServer(ScorerHttpVerticle.LIVE_QUEUE_EVENTS, ScorerHttpVerticle.LIVE_HEARTBEAT_MILLIS);
        String lastId;
        try (SseClient client = SseClient.connect(port, null)) {
            client.next(WAIT); // snapshot
            view.onScore(score("run-a", 1, 0.5, 1));
            lastId = client.next(WAIT).id();
        }
        view.onScore(score("run-a", 2, 0.6, 1));
        view.onAlert(alert("run-a", 2, ""));
        try (SseClient resumed = SseClient.connect(port, lastId)) {
            SseClient.Event first = resumed.next(WAIT);
            assertThat(first.type()).as("no snapshot: just the missed events").isEqualTo("score");
            assertThat(first.data().get("score").get("step").asLong()).isEqualTo(2);
            assertThat(resumed.next(WAIT).type()).isEqualTo("alert");
        }
        try (SseClient stranger = SseClient.connect(port, "another-boot-5")) {
            SseClient.Event first = stranger.next(WAIT);
            assertThat(first.type()).as("an id this server never issued gets a snapshot").isEqualTo("snapshot");
            assertThat(first.data().get("runs").get(0).get("step").asLong()).isEqualTo(2);
        }
    }

    @Test
    void heartbeatsKeepAnIdleStreamAlive() throws Exception {
        startServer(ScorerHttpVerticle.LIVE_QUEUE_EVENTS, 100);
        try (SseClient client = SseClient.connect(port, null)) {
            client.next(WAIT);
            Await.until("heartbeat comments", WAIT, () -> client.comments.get() >= 2);
        }
    }

    /**
     * A client that connects and never reads: once its TCP buffers and its bounded queue are full it is
     * dropped and counted, while the publisher (the feeder's thread) never waits and a reading client
     * gets every event.
     */
    @Test
    void aClientThatNeverReadsIsDroppedWithoutBlockingThePublisherOrOtherClients() throws Exception {
        startServer(64, 60_000);
        String padding = "x".repeat(8 * 1024);
        try (Socket silent = new Socket(); SseClient reader = SseClient.connect(port, null)) {
            silent.setReceiveBufferSize(8 * 1024); // before connect: no receive-window autotuning
            silent.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = silent.getOutputStream();
            out.write(("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            reader.next(WAIT); // snapshot
            Await.until("both clients connected", WAIT, () -> metric("weightcast_scorer_live_clients") == 2.0);

            int events = 2016; // 16 MiB: more than the silent client's socket buffers and queue hold
            long slowestPublish = 0;
            long started = System.nanoTime();
            for (int i = 0; i < events; i++) {
                long t = System.nanoTime();
                view.onAlert(alert("run-" + (i % 10), i, padding));
                slowestPublish = Math.max(slowestPublish, System.nanoTime() - t);
                if (i % 32 == 31) { // half the queue: the reading client must never fall that far behind
                    int sent = i + 2; // the snapshot too
                    Await.until("the reading client keeps up", WAIT, () -> reader.received.get() >= sent);
                }
            }
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("[LiveEventsTest] %d events of 8 KiB published in %d ms, slowest publish %.1f ms%n",
                    events, elapsedMillis, slowestPublish / 1e6);

            Await.until("the silent client dropped and counted", WAIT, () -> metric("weightcast_scorer_live_dropped_clients_total") == 1.0);
            Await.until("only the reading client left", WAIT, () -> metric("weightcast_scorer_live_clients") == 1.0);
            // a publish that waited for the silent client would wait until it read: never (the test would time out above);
            // the bound is far from any scheduling delay on a loaded machine (745 ms seen at a load of 20)
            assertThat(slowestPublish).as("a publish never waits for a client").isLessThan(Duration.ofSeconds(10).toNanos());
            assertThat(reader.received.get()).isEqualTo(events + 1);
            assertThat(reader.ended()).isFalse();
            assertThat(view.live().clients()).isEqualTo(1);
            assertThat(readsToEndOfStream(silent)).as("the server closed the silent client's connection").isTrue();
        }
    }

    @Test
    void thePageIsServedWithAPolicyThatAllowsOnlyItsOwnInlineCode() throws Exception {
        startServer(ScorerHttpVerticle.LIVE_QUEUE_EVENTS, ScorerHttpVerticle.LIVE_HEARTBEAT_MILLIS);
        for (String path : List.of("/", "/live")) {
            HttpResponse<String> page = get(path);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("id=\"runs-table\"").contains("const EVENTS_URL = \"v1/events\" + (TOKEN ? \"?access_token=\"")
                    .contains("new EventSource(EVENTS_URL)").doesNotContain("innerHTML");
            String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'").contains("connect-src 'self'")
                    .contains("script-src " + sha256(page.body(), "script")).contains("style-src " + sha256(page.body(), "style"));
            assertThat(page.body()).as("no external resources").doesNotContainPattern("(src|href)=\"(https?:)?//");
        }
    }

    private static String sha256(String html, String tag) throws Exception {
        Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("one inline <%s>", tag).isTrue();
        byte[] d = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
        return "'sha256-" + Base64.getEncoder().encodeToString(d) + "'";
    }

    /** Reads whatever the silent client's buffers hold; true when the stream then ends (the server closed it). */
    private static boolean readsToEndOfStream(Socket socket) throws Exception {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the server
        }
    }

    private HttpResponse<String> get(String path) {
        return Http.get(port, path);
    }

    private double metric(String name) {
        return MetricsText.valueOrNaN(registry, name);
    }
}
