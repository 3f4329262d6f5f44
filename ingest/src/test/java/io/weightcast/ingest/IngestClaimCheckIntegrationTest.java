package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.store.ClaimChecks;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The claim check's producer side on a real broker (design §10): over HTTP and through the Java SDK, a checkpoint above
 * {@code store.threshold.bytes} lands in the store as uploaded and the topic gets one reference record carrying the merged
 * metadata, the file's URI, size and SHA-256; a smaller one stays inline; a store that cannot be written is a 503.
 */
class IngestClaimCheckIntegrationTest {
    private static final Topics TOPICS = new Topics("claim-it.");
    private static final String TOKEN = "tok-claim";
    private static final int THRESHOLD = 32 * 1024;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static IngestService service;
    private static Path store;
    private static Settings settings;

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        store = Files.createDirectories(KAFKA.dataDir().resolve("store"));
        settings = Settings.of(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.prefix", TOPICS.prefix(),
                "ingest.port", "0", "ingest.tokens", TOKEN, "ingest.max.record.bytes", Integer.toString(16 * 1024),
                "store.uri", store.toUri().toString(), "store.threshold.bytes", Integer.toString(THRESHOLD)));
        service = TestIngest.started(settings);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aBigCheckpointGoesToTheStoreAndTheTopicGetsItsReferenceASmallOneStaysInline() throws Exception {
        byte[] big = CheckpointBuilder.cnn(5, 2048).meta("activation", "relu").bytes(); // ~90 KB: above the threshold
        assertThat(big.length).isGreaterThan(THRESHOLD);
        HttpResponse<String> r = post("/v1/runs/run-big/checkpoints?step=4&study=s1", big);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-big");
        assertThat(records).singleElement().satisfies(rec -> assertThat(rec.value().length).isLessThan(1024));
        SafeTensors record = SafeTensors.read(records.get(0).value());
        assertThat(record.size()).isZero();
        assertThat(record.metadata()).containsEntry("run_id", "run-big").containsEntry("step", "4").containsEntry("study", "s1")
                .containsEntry("activation", "relu");
        CheckpointReference ref = CheckpointReference.of(record.metadata()).orElseThrow();
        Path file = Path.of(ref.uri());
        assertThat(file).startsWith(store.toRealPath());
        assertThat(Files.readAllBytes(file)).isEqualTo(big); // stored as uploaded
        assertThat(ref.bytes()).isEqualTo(big.length);
        assertThat(ref.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));

        byte[] small = CheckpointBuilder.cnn(6, 64).bytes();
        assertThat(post("/v1/runs/run-small/checkpoints?step=1", small).statusCode()).isEqualTo(202);
        SafeTensors inline = SafeTensors.read(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-small").get(0).value());
        assertThat(inline.size()).isEqualTo(6);
        assertThat(CheckpointReference.of(inline.metadata())).isEmpty();
    }

    @Test
    void theJavaSdkSendsTheSameReference() throws Exception {
        byte[] big = CheckpointBuilder.cnn(7, 2048).bytes();
        try (CheckpointPublisher sdk = CheckpointPublisher.builder(KAFKA.bootstrapServers()).topics(TOPICS)
                .claimChecks(ClaimChecks.from(settings)).build()) {
            CheckpointReceipt receipt = sdk.publishCheckpoint("run-sdk", 2, 10, "relu", null, Map.of("val_acc", 0.5), big).join();
            assertThat(receipt.parts()).isEqualTo(1);
        }
        SafeTensors record = SafeTensors.read(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-sdk").get(0).value());
        assertThat(record.metadata()).containsEntry("step", "2").containsEntry("planned_steps", "10").containsKey("metrics");
        CheckpointReference ref = CheckpointReference.of(record.metadata()).orElseThrow();
        assertThat(Files.readAllBytes(Path.of(ref.uri()))).isEqualTo(big);
    }

    @Test
    void aClientsOwnReferenceRecordPassesWithItsMetadataCheckedAndOneWithTensorsIsRefused() throws Exception {
        String sha = "cd".repeat(32);
        byte[] ref = new CheckpointReference(URI.create("s3://ckpts/runs/run-own/9.safetensors"), 5_000_000_000L, sha)
                .record(Map.of("run_id", "run-own"));
        HttpResponse<String> r = post("/v1/runs/run-own/checkpoints?step=9&study=s2", ref);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        SafeTensors record = SafeTensors.read(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-own").get(0).value());
        assertThat(record.metadata()).containsEntry("step", "9").containsEntry("study", "s2").containsEntry("ref_sha256", sha)
                .containsEntry("ref_bytes", "5000000000");
        assertThat(post("/v1/runs/run-own/checkpoints?step=10", CheckpointBuilder.cnn(9, 64)
                .meta(Map.of("ref_uri", "s3://ckpts/x", "ref_bytes", "10", "ref_sha256", sha)).bytes()).statusCode()).isEqualTo(400);
        assertThat(post("/v1/runs/run-own/checkpoints?step=11", new CheckpointReference(URI.create("s3://ckpts/x"), 10, sha)
                .record(Map.of("parts", "2"))).statusCode()).isEqualTo(400);
    }

    @Test
    void aStoreThatCannotBeWrittenIsA503AndNothingIsPublished() throws Exception {
        Path runDir = store.resolve("runs/run-blocked");
        Files.createDirectories(runDir.getParent());
        Files.write(runDir, new byte[] {1}); // a file where the run's directory must go
        HttpResponse<String> r = post("/v1/runs/run-blocked/checkpoints?step=1", CheckpointBuilder.cnn(8, 2048).bytes());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).contains("checkpoint store could not take this checkpoint").doesNotContain(store.toString());
        assertThat(KAFKA.reader().toEnd(TOPICS.checkpoints(), "run-blocked")).isEmpty();
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }
}
