package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 21, bounded ingest over real HTTP: a stalled or trickling upload gets 408 and gives its budget back; a
 * safetensors header above the caps gets 400 with the reason, its length refused from the first 8 bytes.
 */
class IngestBoundedTest {
    private static final Topics TOPICS = new Topics("bounded.");
    private static final int IDLE_MS = 1000;
    private static final int MIN_RATE = 50_000;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static IngestService service;

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 1, (short) 1);
        service = new IngestService(Settings.of(Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", KAFKA.bootstrapServers()),
                Map.entry("topic.prefix", TOPICS.prefix()),
                Map.entry("ingest.port", "0"),
                Map.entry("ingest.auth", "none"),
                Map.entry("ingest.max.checkpoint.bytes", Integer.toString(4 * 1024 * 1024)),
                Map.entry("ingest.max.inflight.bytes", Integer.toString(8 * 1024 * 1024)),
                Map.entry("ingest.body.idle.timeout.ms", Integer.toString(IDLE_MS)),
                Map.entry("ingest.body.min.bytes.per.second", Integer.toString(MIN_RATE)),
                Map.entry("ingest.max.header.bytes", "4096"),
                Map.entry("ingest.max.tensors", "8"),
                Map.entry("ingest.max.rank", "4"))));
        service.start();
        Await.until("ingest ready", Duration.ofSeconds(30), () -> Http.get(service.port(), "/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void anUploadThatStallsGets408WithTheReasonAndGivesItsBudgetBack() throws Exception {
        double before = metric("weightcast_ingest_rejected_total{reason=\"body_timeout\"}");
        try (RawHttp http = new RawHttp(service.port())) {
            http.head("/v1/runs/run-stall/checkpoints", 3_000_000, false);
            http.write(new byte[100], 0, 100);
            Await.until("the declared length is in flight", Duration.ofSeconds(10),
                    () -> metric("weightcast_ingest_inflight_bytes") == 3_000_000);

            RawHttp.Response r = http.read(); // the client sends nothing more

            assertThat(r.status()).isEqualTo(408);
            assertThat(r.headers()).containsEntry("connection", "close");
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText())
                    .contains("no body bytes for").contains("ingest.body.idle.timeout.ms").contains("100 bytes arrived");
        }
        assertThat(metric("weightcast_ingest_rejected_total{reason=\"body_timeout\"}")).isEqualTo(before + 1);
        awaitGaugesAtZero();
    }

    @Test
    void anUploadThatTricklesBelowTheMinimumRateGets408() throws Exception {
        try (RawHttp http = new RawHttp(service.port())) {
            http.head("/v1/runs/run-trickle/checkpoints", 3_000_000, false);
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread trickle = new Thread(() -> {
                while (sending.get()) {
                    try {
                        http.write(new byte[500], 0, 500); // ~10 KB/s, a fifth of the minimum, never idle for long
                        Thread.sleep(50);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            trickle.start();

            RawHttp.Response r = http.read();
            sending.set(false);
            trickle.join();

            System.out.println("trickle answer: " + r.status() + " " + r.body());
            assertThat(r.status()).isEqualTo(408);
            // the rate (or, on a machine that stalled the sender for a second, the idle gap) ended it
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).containsAnyOf("below the minimum of " + MIN_RATE,
                    "no body bytes for");
        }
        awaitGaugesAtZero();
    }

    @Test
    void aHeaderLengthAboveTheCapIsRefusedFromTheFirst8BytesWithoutReadingTheBody() throws Exception {
        double before = metric("weightcast_ingest_rejected_total{reason=\"header_limit\"}");
        try (RawHttp http = new RawHttp(service.port())) {
            http.head("/v1/runs/run-header/checkpoints", 3_000_000, false);
            byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1024 * 1024).array();
            http.write(prefix, 0, 8); // and not one byte more

            RawHttp.Response r = http.read();

            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.headers()).containsEntry("connection", "close");
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText())
                    .isEqualTo("safetensors header of 1048576 bytes exceeds the limit of 4096 bytes (ingest.max.header.bytes)");
        }
        assertThat(metric("weightcast_ingest_rejected_total{reason=\"header_limit\"}")).isEqualTo(before + 1);
        awaitGaugesAtZero();
    }

    @Test
    void tooManyTensorsOrTooHighARankGet400WithTheReason() throws Exception {
        SafeTensorsWriter many = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-caps", 1));
        for (int i = 0; i < 9; i++) {
            many.tensor("t" + i, new long[] {1}, new float[] {1});
        }
        byte[] deep = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-caps", 1))
                .tensor("deep", new long[] {1, 1, 1, 1, 1}, new float[] {1}).toBytes();

        var tooMany = Http.post(service.port(), "/v1/runs/run-caps/checkpoints", "application/octet-stream", many.toBytes());
        var tooDeep = Http.post(service.port(), "/v1/runs/run-caps/checkpoints", "application/octet-stream", deep);

        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("more than 8 tensors");
        assertThat(tooDeep.statusCode()).isEqualTo(400);
        assertThat(tooDeep.body()).contains("rank above 4");
        awaitGaugesAtZero();
    }

    private static void awaitGaugesAtZero() {
        Await.until("in-flight gauges back to 0 (no leaked budget)", Duration.ofSeconds(10),
                () -> metric("weightcast_ingest_inflight_requests") == 0 && metric("weightcast_ingest_inflight_bytes") == 0);
    }

    private static double metric(String series) {
        return MetricsText.required(Http.get(service.port(), "/metrics").body(), series);
    }
}
