package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.MetricsText;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real gateway on a free port against one real broker, driven over real HTTP. */
class IngestServiceIntegrationTest {
    private static final Topics TOPICS = new Topics("ingest-it.");
    private static final String TOKEN = "tok-2";
    private static final int RECORD_LIMIT = 64 * 1024;
    private static final int CHECKPOINT_LIMIT = 1024 * 1024;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static IngestService service;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        service = TestIngest.started(Settings.of(Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "topic.prefix", TOPICS.prefix(),
                "ingest.port", "0",
                "ingest.tokens", "tok-1, " + TOKEN,
                "ingest.max.record.bytes", Integer.toString(RECORD_LIMIT),
                "ingest.max.checkpoint.bytes", Integer.toString(CHECKPOINT_LIMIT),
                "ingest.ack.timeout.ms", "15000")));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aValidCheckpointIsAckedOnlyOnceItIsInTheTopic() throws Exception {
        byte[] body = CheckpointBuilder.cnn(11, 64).meta(Map.of("framework", "pytorch", "activation", "relu")).bytes();

        // curl --data-binary's default content type: must not be decoded as a form.
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/v1/runs/run-ok/checkpoints?step=3&planned_steps=18&study=sweep-1"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode json = Json.MAPPER.readTree(r.body());
        assertThat(json.get("run_id").asText()).isEqualTo("run-ok");
        assertThat(json.get("step").asLong()).isEqualTo(3);
        assertThat(json.get("parts").asInt()).isEqualTo(1);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-ok");
        assertThat(records).hasSize(1);
        assertThat(json.get("bytes").asLong()).isEqualTo(records.get(0).value().length);
        SafeTensors produced = SafeTensors.read(records.get(0).value());
        assertThat(produced.metadata()).containsEntry("run_id", "run-ok").containsEntry("step", "3")
                .containsEntry("planned_steps", "18").containsEntry("study", "sweep-1")
                .containsEntry("activation", "relu").containsEntry("framework", "pytorch");
        assertThat(TestCheckpoints.sameTensors(produced, SafeTensors.read(body))).isTrue();
        assertThat(produced.values("conv1.bias")).containsExactly(SafeTensors.read(body).values("conv1.bias"));
    }

    /**
     * Issue 21 ("exactly once through HTTP"): a client that did not hear a 202 sends the request again with the same
     * Idempotency-Key and gets the first answer back, without a second record; a new key is a new request.
     */
    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheFirstAnswerAndNoSecondRecord() throws Exception {
        byte[] body = CheckpointBuilder.cnn(12, 64).bytes();
        String path = "/v1/runs/run-idem/checkpoints?step=1";
        double replaysBefore = metric("weightcast_ingest_idempotent_replays_total", null);
        HttpResponse<String> first = post(path, body, TOKEN, "7f9c2b1e-retry-me");
        HttpResponse<String> again = post(path, body, TOKEN, "7f9c2b1e-retry-me");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-idem")).hasSize(1);
        assertThat(metric("weightcast_ingest_idempotent_replays_total", null)).isEqualTo(replaysBefore + 1);

        assertThat(post(path, body, TOKEN, "another-key").statusCode()).isEqualTo(202); // a new request: produced
        assertThat(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-idem")).hasSize(2);
        HttpResponse<String> event = post("/v1/runs/run-idem/events", utf8("{\"type\":\"started\",\"run_id\":\"run-idem\"}"),
                TOKEN, "7f9c2b1e-retry-me"); // keys are per endpoint and run
        assertThat(event.statusCode()).as(event.body()).isEqualTo(202);
        assertThat(event.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> bad = post(path, body, TOKEN, "has space");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Idempotency-Key");
        // a refused request's key is forgotten: its corrected retry is processed
        HttpResponse<String> refused = post("/v1/runs/run-idem/checkpoints", body, TOKEN, "fix-and-retry"); // no step
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(post(path, body, TOKEN, "fix-and-retry").statusCode()).isEqualTo(202);
        assertThat(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-idem")).hasSize(3);
    }

    @Test
    void aCheckpointAboveTheRecordLimitArrivesAsPartsThatMergeBack() throws Exception {
        byte[] body = CheckpointBuilder.cnn(12, 8192).meta(TestCheckpoints.metadata("run-big", 5)).bytes(); // ~330 KiB
        assertThat(body.length).isGreaterThan(4 * RECORD_LIMIT);

        HttpResponse<String> r = post("/v1/runs/run-big/checkpoints", body, TOKEN);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        int parts = Json.MAPPER.readTree(r.body()).get("parts").asInt();
        assertThat(parts).isGreaterThanOrEqualTo(5);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-big");
        assertThat(records).hasSize(parts);
        assertThat(records).allSatisfy(rec -> assertThat(rec.value().length).isLessThanOrEqualTo(RECORD_LIMIT));
        SafeTensors merged = CheckpointParts.merge(records.stream().map(rec -> SafeTensors.read(rec.value())).toList());
        assertThat(TestCheckpoints.sameTensors(merged, SafeTensors.read(body))).isTrue();
        assertThat(merged.metadata()).isEqualTo(TestCheckpoints.metadata("run-big", 5));
    }

    @Test
    void malformedCheckpointsGet400WithTheReasonAndNothingIsProduced() throws Exception {
        long before = KAFKA.reader().count(TOPICS.checkpoints());
        byte[] good = CheckpointBuilder.cnn(13, 64).meta(TestCheckpoints.metadata("run-bad", 1)).bytes();

        HttpResponse<String> truncated = post("/v1/runs/run-bad/checkpoints", Arrays.copyOf(good, good.length - 64), TOKEN);
        HttpResponse<String> header = post("/v1/runs/run-bad/checkpoints",
                TestCheckpoints.rawFile("{\"w\": {\"dtype\": \"F32\"", 4), TOKEN);
        HttpResponse<String> dtype = post("/v1/runs/run-bad/checkpoints", TestCheckpoints.rawFile(
                "{\"__metadata__\":{\"step\":\"1\"},\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), TOKEN);
        HttpResponse<String> mismatch = post("/v1/runs/other-run/checkpoints", good, TOKEN);
        HttpResponse<String> badStep = post("/v1/runs/run-bad/checkpoints?step=two", good, TOKEN);

        assertError(truncated, 400, "truncated");
        assertError(header, 400, "header is not valid JSON");
        assertError(dtype, 400, "unsupported dtype 'Q4'");
        assertError(mismatch, 400, "differs from run 'other-run'");
        assertError(badStep, 400, "query parameter 'step' is not an integer");
        assertThat(KAFKA.reader().count(TOPICS.checkpoints())).isEqualTo(before);
    }

    @Test
    void missingOrInvalidTokensGet401AndNeverReachKafka() throws Exception {
        long checkpoints = KAFKA.reader().count(TOPICS.checkpoints());
        long runs = KAFKA.reader().count(TOPICS.runs());
        byte[] good = CheckpointBuilder.cnn(14, 64).meta(TestCheckpoints.metadata("run-auth", 1)).bytes();
        byte[] event = Json.bytes(RunEvent.started("run-auth", "s", Map.of(), 18));

        HttpResponse<String> none = post("/v1/runs/run-auth/checkpoints", good, null);
        HttpResponse<String> wrong = post("/v1/runs/run-auth/checkpoints", good, "tok-3");
        HttpResponse<String> eventWrong = post("/v1/runs/run-auth/events", event, "TOK-2");

        assertError(none, 401, "missing bearer token");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertError(wrong, 401, "invalid bearer token");
        assertError(eventWrong, 401, "invalid bearer token");
        assertThat(KAFKA.reader().count(TOPICS.checkpoints())).isEqualTo(checkpoints);
        assertThat(KAFKA.reader().count(TOPICS.runs())).isEqualTo(runs);
    }

    @Test
    void aBodyAboveTheCheckpointLimitGets413() throws Exception {
        long before = KAFKA.reader().count(TOPICS.checkpoints());
        byte[] huge = CheckpointBuilder.cnn(15, 40_000).meta(TestCheckpoints.metadata("run-huge", 1)).bytes(); // ~1.6 MB
        assertThat(huge.length).isGreaterThan(CHECKPOINT_LIMIT);

        HttpResponse<String> r = post("/v1/runs/run-huge/checkpoints", huge, TOKEN);

        assertError(r, 413, "larger than the limit of " + CHECKPOINT_LIMIT);
        HttpResponse<String> streamed = HTTP.send(HttpRequest.newBuilder(uri("/v1/runs/run-huge/checkpoints"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build(), // chunked, no length
                HttpResponse.BodyHandlers.ofString());
        assertError(streamed, 413, "larger than the limit of " + CHECKPOINT_LIMIT);
        assertThat(KAFKA.reader().count(TOPICS.checkpoints())).isEqualTo(before);
    }

    @Test
    void runEventsAreValidatedAndProduced() throws Exception {
        long before = KAFKA.reader().count(TOPICS.runs());
        assertError(post("/v1/runs/run-ev/events", utf8("{\"type\":\"started\",\"study\":"), TOKEN), 400, "not a valid RunEvent");
        assertError(post("/v1/runs/run-ev/events", utf8("{\"type\":\"started\",\"run_id\":\"run-zz\"}"), TOKEN), 400,
                "differs from run 'run-ev'");
        assertError(post("/v1/runs/run-ev/events", utf8("{\"type\":\"finished\"}"), TOKEN), 400, "final.test_accuracy");
        assertThat(KAFKA.reader().count(TOPICS.runs())).isEqualTo(before);

        HttpResponse<String> ok = post("/v1/runs/run-ev/events",
                utf8("{\"type\":\"finished\",\"final\":{\"test_accuracy\":0.91},\"study\":\"s\"}"), TOKEN);

        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.runs(), "run-ev");
        assertThat(records).hasSize(1);
        RunEvent event = Json.read(records.get(0).value(), RunEvent.class);
        assertThat(event.runId()).isEqualTo("run-ev");
        assertThat(event.isFinished()).isTrue();
        assertThat(event.finalTestAccuracy()).isEqualTo(0.91);
        assertThat(event.timestamp()).isNotNull();
    }

    @Test
    void unknownRoutesGet404AndOpsEndpointsAnswer() throws Exception {
        assertError(get("/v1/nothing"), 404, "no route for GET /v1/nothing");
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/ready").body()).contains("true");
        assertThat(service.ready()).isTrue();
    }

    @Test
    void afterBadRequestsTheServiceKeepsAnsweringAndCountsRejectionsByReason() throws Exception {
        double malformed = metric("weightcast_ingest_rejected_total", "reason=\"malformed_safetensors\"");
        double unauthorized = metric("weightcast_ingest_rejected_total", "reason=\"unauthorized\"");
        double tooLarge = metric("weightcast_ingest_rejected_total", "reason=\"too_large\"");
        double malformedEvent = metric("weightcast_ingest_rejected_total", "reason=\"malformed_event\"");
        double accepted = metric("weightcast_ingest_checkpoints_total", null);
        double ok202 = metric("weightcast_ingest_requests_total", "endpoint=\"checkpoints\",status=\"202\"");

        post("/v1/runs/r/checkpoints", new byte[] {1, 2, 3}, TOKEN);
        post("/v1/runs/r/checkpoints", new byte[] {1, 2, 3}, "nope");
        post("/v1/runs/r/checkpoints", new byte[CHECKPOINT_LIMIT + 1], TOKEN);
        post("/v1/runs/r/events", utf8("not json"), TOKEN);
        byte[] good = CheckpointBuilder.cnn(16, 64).meta(TestCheckpoints.metadata("run-after", 2)).bytes();
        HttpResponse<String> after = post("/v1/runs/run-after/checkpoints", good, TOKEN);

        assertThat(after.statusCode()).as(after.body()).isEqualTo(202);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(metric("weightcast_ingest_rejected_total", "reason=\"malformed_safetensors\"")).isEqualTo(malformed + 1);
        assertThat(metric("weightcast_ingest_rejected_total", "reason=\"unauthorized\"")).isEqualTo(unauthorized + 1);
        assertThat(metric("weightcast_ingest_rejected_total", "reason=\"too_large\"")).isEqualTo(tooLarge + 1);
        assertThat(metric("weightcast_ingest_rejected_total", "reason=\"malformed_event\"")).isEqualTo(malformedEvent + 1);
        assertThat(metric("weightcast_ingest_checkpoints_total", null)).isEqualTo(accepted + 1);
        assertThat(metric("weightcast_ingest_requests_total", "endpoint=\"checkpoints\",status=\"202\"")).isEqualTo(ok202 + 1);
        String text = get("/metrics").body();
        assertThat(text).contains("weightcast_ingest_request_duration_seconds_bucket{endpoint=\"checkpoints\"")
                .contains("weightcast_ingest_bytes_total");
    }

    private static void assertError(HttpResponse<String> r, int status, String reasonPart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).contains(reasonPart);
    }

    /** A sample's value from /metrics; {@code labels} is the exact label text inside the braces, or null. */
    private static double metric(String name, String labels) throws Exception {
        String sample = labels == null ? name : name + "{" + labels + "}";
        return MetricsText.value(get("/metrics").body(), sample).orElse(0.0);
    }

    private static HttpResponse<String> post(String path, byte[] body, String token) throws Exception {
        return post(path, body, token, null);
    }

    private static HttpResponse<String> post(String path, byte[] body, String token, String idempotencyKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
