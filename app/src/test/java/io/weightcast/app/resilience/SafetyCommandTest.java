package io.weightcast.app.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.app.stack.ScratchDirs;
import io.weightcast.core.records.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weightcast safety} with small numbers, for real: broker and services in their own JVMs with a 512 MB
 * heap; every mutation kind goes to ingest over HTTP and straight into the topics. A gateway that answers 5xx or
 * drops a connection, a malformed record that vanishes without a dead letter or features, a duplicate or missing
 * features record, or a service that dies or stops scoring fails here.
 */
class SafetyCommandTest {

    @Test
    @Timeout(420)
    void fuzzedInputIsRefusedOrDeadLetteredAndThePipelineStaysUp(@TempDir Path out) throws Exception {
        // Not a @TempDir: when the check fails, the processes' logs stay in target/ for the post-mortem.
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "safety-test-");
        SafetyCommand command = new SafetyCommand();
        int code = new CommandLine(command).execute("--fuzz", "60", "--events", "20", "--models", "10", "--duplicates", "10",
                "--quiet", "3", "--jvm-opts", "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "--data-dir", data.toString(), "--out-dir", out.toString());

        SafetyReport report = command.report;
        assertThat(report).isNotNull();
        IngestFuzz.Result http = report.ingestFuzz();
        assertThat(http.checkpointsSent()).isEqualTo(60);
        assertThat(http.checkpointStatuses().values().stream().mapToLong(Long::longValue).sum()).as("every request answered or counted")
                .isEqualTo(60);
        assertThat(http.serverErrors()).as("5xx: " + http.examples()).isZero();
        assertThat(http.connectionFailures()).as("no answer: " + http.examples()).isZero();
        assertThat(http.checkpointStatuses()).as("malformed checkpoints are refused with 400").containsKey("400");
        assertThat(http.checkpointsByKind().get("empty_body")).containsOnlyKeys("400");
        assertThat(http.checkpointsByKind().get("truncated")).containsOnlyKeys("400");
        assertThat(http.eventStatuses()).containsKey("400").doesNotContainKeys("500", "502", "503", IngestFuzz.CONNECTION_FAILURE);

        KafkaFuzz.Result kafka = report.kafkaFuzz();
        assertThat(kafka.checkpoints().injected()).isEqualTo(60);
        assertThat(kafka.checkpoints().unaccounted()).as("neither dead-lettered nor taken: " + kafka.unaccountedExamples()).isZero();
        assertThat(kafka.checkpoints().deadLettered() + kafka.checkpoints().accepted()).isEqualTo(60);
        assertThat(kafka.checkpoints().byKind().get("truncated")).containsOnlyKeys("dead_lettered");
        assertThat(kafka.checkpoints().byKind().get("random_bytes")).containsOnlyKeys("dead_lettered");
        assertThat(kafka.checkpoints().byKind().get("nan_inf_weights")).as("well-formed, judged as such").containsOnlyKeys("accepted");
        assertThat(kafka.acceptedCheckpoints().unexplained()).as("taken for a reason: " + kafka.acceptedCheckpoints().byKind()).isZero();
        assertThat(kafka.acceptedCheckpoints().nonFiniteFlagged()).as("NaN/Inf weights flagged on their features")
                .isEqualTo(kafka.checkpoints().byKind().get("nan_inf_weights").get("accepted"));
        assertThat(kafka.acceptedCheckpoints().nonFiniteNotFlagged()).isZero();
        assertThat(http.acceptedUnexplained()).as("202 for a reason: " + http.acceptedWhy()).isZero();
        assertThat(kafka.runs().injected()).isEqualTo(20);
        assertThat(kafka.models().injected()).isEqualTo(10);
        assertThat(kafka.deadLettersBySourceTopic()).containsKey("weightcast.checkpoints");

        SafetyReport.Duplicates dup = report.duplicates();
        assertThat(dup.checkpoints()).isEqualTo(10);
        assertThat(dup.firstStatuses()).containsExactly(java.util.Map.entry("202", 10L));
        assertThat(dup.replayed()).as("second requests answered from the Idempotency-Key window").isEqualTo(10);
        assertThat(dup.duplicates()).as(dup.examples().toString()).isZero();
        assertThat(dup.missing()).as(dup.examples().toString()).isZero();
        assertThat(dup.featureRecords()).isEqualTo(10);

        SafetyReport.Liveness live = report.liveness();
        assertThat(live.alive()).containsOnlyKeys("broker", "streams", "scorer", "trainer", "ingest").doesNotContainValue(false);
        assertThat(live.ready()).doesNotContainValue(false);
        assertThat(live.starts()).allSatisfy((name, n) -> assertThat(n).as(name).isEqualTo(1));
        assertThat(live.freshRunScored()).isTrue();
        assertThat(report.heap()).containsOnlyKeys("broker", "streams", "scorer", "trainer", "ingest")
                .allSatisfy((name, h) -> {
                    assertThat(h.peakBytes()).as(name + " heap peak").isPositive();
                    assertThat(h.peakBytes()).as(name + " peak >= final").isGreaterThanOrEqualTo(h.finalBytes());
                    assertThat(h.xmx()).isEqualTo("-Xmx512m");
                });
        assertThat(report.failures()).isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(code).isZero();

        JsonNode json = Json.MAPPER.readTree(command.written.toFile());
        assertThat(command.written.getFileName().toString()).matches("safety-\\d{8}-\\d{6}\\.json");
        assertThat(json.get("ingest_fuzz").get("server_errors").asLong()).isZero();
        assertThat(json.get("kafka_fuzz").get("checkpoints").get("unaccounted").asLong()).isZero();
        assertThat(json.get("duplicates").get("duplicates").asLong()).isZero();
        assertThat(json.get("heap").get("ingest").get("peak_bytes").asLong()).isPositive();
        assertThat(json.get("wall_seconds").asDouble()).isPositive();
        ScratchDirs.delete(data);
    }
}
