package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real gateway pointed at a port where no broker listens: not ready, and 503 + Retry-After instead of hanging. */
class IngestServiceKafkaDownTest {
    private static IngestService service;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        service = new IngestService(Settings.of(Map.of(
                "kafka.bootstrap.servers", "127.0.0.1:" + deadPort,
                "ingest.port", "0",
                "ingest.auth", "none",
                "ingest.ack.timeout.ms", "1500")));
        service.start();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void notReadyAndEveryPublishGets503WithRetryAfter() throws Exception {
        assertThat(service.ready()).isFalse();
        assertThat(send(HttpRequest.newBuilder(uri("/ready")).GET()).statusCode()).isEqualTo(503);

        byte[] checkpoint = CheckpointBuilder.cnn(21, 16).meta(TestCheckpoints.metadata("run-down", 1)).bytes();
        var pending = HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/runs/run-down/checkpoints")).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(checkpoint)).build(), HttpResponse.BodyHandlers.ofString());
        // While the request waits for Kafka its body still counts against the admission budget.
        long waitDeadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        boolean heldWhileWaiting = false;
        while (!pending.isDone() && System.nanoTime() < waitDeadline && !heldWhileWaiting) {
            heldWhileWaiting = send(HttpRequest.newBuilder(uri("/metrics")).GET()).body()
                    .contains("weightcast_ingest_inflight_bytes " + (double) checkpoint.length);
            Thread.sleep(20);
        }
        assertThat(heldWhileWaiting).as("the body's bytes are held while waiting for Kafka").isTrue();
        HttpResponse<String> r = pending.join();

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue(Integer.toString(IngestHttpVerticle.RETRY_AFTER_SECONDS));
        assertThat(r.body()).contains("Kafka unavailable");

        HttpResponse<String> bad = send(HttpRequest.newBuilder(uri("/v1/runs/run-down/checkpoints"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {9})));
        assertThat(bad.statusCode()).as("validation still answers without Kafka").isEqualTo(400);
        assertThat(send(HttpRequest.newBuilder(uri("/metrics")).GET()).body())
                .contains("weightcast_ingest_rejected_total{reason=\"kafka_unavailable\"} 1.0");
        // The Kafka-timeout path gave its admission budget back (a leak would wedge the gateway).
        AtomicReference<String> metrics = new AtomicReference<>("");
        Await.until(() -> "in-flight gauges back to 0 after 503s:\n" + metrics.get(), Duration.ofSeconds(10), () -> {
            metrics.set(send(HttpRequest.newBuilder(uri("/metrics")).GET()).body());
            return metrics.get().contains("weightcast_ingest_inflight_requests 0.0") && metrics.get().contains("weightcast_ingest_inflight_bytes 0.0");
        });
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }
}
