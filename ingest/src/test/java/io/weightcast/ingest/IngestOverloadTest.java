package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.MetricsText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Admission control on the real gateway and a real broker: a burst of slow uploads well above the
 * in-flight bounds gets 429 + Retry-After (never 5xx), the gauges stay within the bounds and return to
 * 0 on every path (success, 4xx, client abort), and a normal request afterwards is accepted.
 */
class IngestOverloadTest {
    private static final Topics TOPICS = new Topics("overload.");
    private static final int MAX_REQUESTS = 4;
    private static final int MAX_INFLIGHT_BYTES = 2 * 1024 * 1024;
    private static final int CHECKPOINT_LIMIT = 1024 * 1024;
    private static final int RETRY_AFTER = 2;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static IngestService service;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        service = TestIngest.started(Settings.of(Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "topic.prefix", TOPICS.prefix(),
                "ingest.port", "0",
                "ingest.auth", "none",
                "ingest.max.record.bytes", Integer.toString(64 * 1024),
                "ingest.max.checkpoint.bytes", Integer.toString(CHECKPOINT_LIMIT),
                "ingest.max.inflight.bytes", Integer.toString(MAX_INFLIGHT_BYTES),
                "ingest.max.inflight.requests", Integer.toString(MAX_REQUESTS),
                "ingest.retry.after.seconds", Integer.toString(RETRY_AFTER))));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aBurstAboveTheBoundsGets429WithRetryAfterNo5xxAndRecovers() throws Exception {
        double overloadedBefore = metric("weightcast_ingest_rejected_total{reason=\"overloaded\"}");
        byte[] body = CheckpointBuilder.cnn(31, 4096).meta(TestCheckpoints.metadata("run-burst", 1)).bytes(); // ~170 KB
        int burst = 5 * MAX_REQUESTS;
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong peakRequests = new AtomicLong();
        AtomicLong peakBytes = new AtomicLong();
        Thread sampler = sampleGauges(running, peakRequests, peakBytes);

        for (int i = 0; i < burst; i++) {
            // Each upload trickles in over ~1.5 s, so the admitted ones hold their slot meanwhile.
            responses.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/runs/run-burst/checkpoints"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new Throttled(body, 16 * 1024, 140)), body.length))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        List<HttpResponse<String>> refused = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : responses) {
            String outcome;
            try {
                HttpResponse<String> r = f.join();
                outcome = Integer.toString(r.statusCode());
                if (r.statusCode() != 202 && r.statusCode() != 429) {
                    System.out.println("unexpected " + r.statusCode() + ": " + r.body());
                }
                if (r.statusCode() == 429) {
                    refused.add(r);
                }
            } catch (RuntimeException e) {
                outcome = "io: " + e.getCause();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        running.set(false);
        sampler.join();
        System.out.printf("overload burst of %d: %s, peak in flight %d requests / %d bytes%n",
                burst, outcomes, peakRequests.get(), peakBytes.get());

        assertThat(outcomes.keySet()).as("only 202 and 429, no 5xx, no broken connections").containsOnly("202", "429");
        assertThat(outcomes.get("202")).as("the bound admits work").isGreaterThanOrEqualTo(MAX_REQUESTS);
        assertThat(outcomes.get("429")).as("5x the bound is refused in part").isGreaterThanOrEqualTo(burst / 2);
        for (HttpResponse<String> r : refused) {
            assertThat(r.headers().firstValue("Retry-After")).hasValue(Integer.toString(RETRY_AFTER));
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).contains("overloaded");
        }
        assertThat(peakRequests.get()).as("gauge saw the burst, within the bound").isBetween(1L, (long) MAX_REQUESTS);
        assertThat(peakBytes.get()).isBetween(1L, (long) MAX_INFLIGHT_BYTES);
        assertThat(metric("weightcast_ingest_rejected_total{reason=\"overloaded\"}") - overloadedBefore)
                .isEqualTo((double) outcomes.get("429"));
        awaitGaugesAtZero();

        HttpResponse<String> after = HTTP.send(HttpRequest.newBuilder(uri("/v1/runs/run-after/checkpoints"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(CheckpointBuilder.cnn(32, 64).meta(TestCheckpoints.metadata("run-after", 1)).bytes()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).as(after.body()).isEqualTo(202);
    }

    @Test
    void chunkedBodiesAreCountedAsTheyStreamAndRefusedWhenTheyCrossTheByteBound() throws Exception {
        double overloadedBefore = metric("weightcast_ingest_rejected_total{reason=\"overloaded\"}");
        // Three bodies of 450 KB without Content-Length, each charged twice (its chunks, then the array that joins them):
        // two fit in 2 MiB, the third crosses while streaming.
        byte[] body = new byte[450 * 1024];
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            responses.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/runs/run-chunked/checkpoints"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Throttled(body, 64 * 1024, 100)))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> f : responses) {
            try {
                outcomes.merge(Integer.toString(f.join().statusCode()), 1, Integer::sum);
            } catch (RuntimeException e) {
                outcomes.merge("io", 1, Integer::sum); // the server closed the connection while the client still sent
            }
        }
        System.out.println("chunked overload: " + outcomes);

        // The zero bodies are read in full and then fail validation (400): proof they were admitted.
        assertThat(outcomes.getOrDefault("400", 0)).isGreaterThanOrEqualTo(2);
        assertThat(outcomes.keySet()).noneMatch(k -> k.startsWith("5"));
        assertThat(metric("weightcast_ingest_rejected_total{reason=\"overloaded\"}") - overloadedBefore)
                .as("the third crossed the byte bound mid-stream").isEqualTo(1);
        awaitGaugesAtZero();
    }

    @Test
    void aClientThatHangsUpMidUploadGivesItsShareBack() throws Exception {
        int declared = 500_000;
        try (Socket socket = new Socket("127.0.0.1", service.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/runs/run-abort/checkpoints HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (metric("weightcast_ingest_inflight_bytes") != declared) {
                assertThat(System.nanoTime()).as("the declared length is taken up front").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(metric("weightcast_ingest_inflight_requests")).isEqualTo(1);
        }
        awaitGaugesAtZero();
    }

    @Test
    void rejectedRequestsGiveTheirShareBack() throws Exception {
        HttpResponse<String> malformed = post("/v1/runs/run-4xx/checkpoints", new byte[] {1, 2, 3});
        HttpResponse<String> tooLarge = post("/v1/runs/run-4xx/checkpoints", new byte[CHECKPOINT_LIMIT + 1]);
        HttpResponse<String> badEvent = post("/v1/runs/run-4xx/events", "nope".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> badQuery = post("/v1/runs/run-4xx/checkpoints?step=x", new byte[] {1});

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(badEvent.statusCode()).isEqualTo(400);
        assertThat(badQuery.statusCode()).isEqualTo(400);
        awaitGaugesAtZero();
        // Had any of them leaked a slot, fewer than MAX_REQUESTS concurrent requests would now be admitted.
        for (int i = 0; i < 3 * MAX_REQUESTS; i++) {
            assertThat(post("/v1/runs/run-4xx/checkpoints", new byte[] {1}).statusCode()).isEqualTo(400);
        }
        awaitGaugesAtZero();
        assertThat(metric("weightcast_ingest_inflight_requests")).isZero();
    }

    /** Polls the gauges while a burst runs, keeping their peaks. */
    private static Thread sampleGauges(AtomicBoolean running, AtomicLong peakRequests, AtomicLong peakBytes) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                try {
                    peakRequests.accumulateAndGet((long) metric("weightcast_ingest_inflight_requests"), Math::max);
                    peakBytes.accumulateAndGet((long) metric("weightcast_ingest_inflight_bytes"), Math::max);
                    Thread.sleep(25);
                } catch (Exception e) {
                    return;
                }
            }
        }, "gauge-sampler");
        t.start();
        return t;
    }

    private static void awaitGaugesAtZero() throws Exception {
        Await.until("in-flight gauges back to 0 (no leaked budget)", Duration.ofSeconds(10),
                () -> metric("weightcast_ingest_inflight_requests") == 0 && metric("weightcast_ingest_inflight_bytes") == 0);
    }

    private static double metric(String sample) throws Exception {
        return MetricsText.required(get("/metrics").body(), sample);
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }

    /** A body that arrives slowly: {@code chunk} bytes, then a pause. */
    private static final class Throttled extends InputStream {
        private final ByteArrayInputStream in;
        private final int chunk;
        private final long pauseMs;
        private int sinceLastPause;

        Throttled(byte[] body, int chunk, long pauseMs) {
            this.in = new ByteArrayInputStream(body);
            this.chunk = chunk;
            this.pauseMs = pauseMs;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (sinceLastPause >= chunk) {
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                sinceLastPause = 0;
            }
            int n = in.read(b, off, Math.min(len, chunk - sinceLastPause));
            if (n > 0) {
                sinceLastPause += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
