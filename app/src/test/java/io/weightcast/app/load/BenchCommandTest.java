package io.weightcast.app.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weightcast bench} on a real local stack (embedded KRaft broker and the four services) at one
 * low rate: every checkpoint sent must come back as exactly one score, and the report must hold the
 * fields the results files promise. No timing is asserted: this machine's speed is not the point.
 */
class BenchCommandTest {

    @Test
    void everyCheckpointOfALowRateStepIsScoredExactlyOnceAndTheReportSaysSo(@TempDir Path out) throws Exception {
        int code = new CommandLine(new BenchCommand()).execute("--rates", "20", "--seconds", "3", "--runs", "5",
                "--warmup-seconds", "1", "--drain", "40", "--out-dir", out.toString(), "--no-watchdog");

        assertThat(code).isZero();
        Path latest = out.resolve("e2e-latest.json");
        assertThat(latest).exists();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("e2e-\\d{8}-\\d{6}\\.json"));
        }
        JsonNode report = Json.MAPPER.readTree(latest.toFile());

        JsonNode machine = report.get("machine");
        assertThat(machine.get("cores").asInt()).isPositive();
        assertThat(machine.get("memory_bytes").asLong()).isPositive();
        assertThat(machine.get("java_version").asText()).isNotBlank();
        JsonNode settings = report.get("settings");
        assertThat(settings.get("via").asText()).isEqualTo("kafka");
        assertThat(settings.get("parameters").asLong()).isEqualTo(4970);
        assertThat(settings.get("runs").asInt()).isEqualTo(5);

        assertThat(report.get("results")).hasSize(1);
        JsonNode step = report.get("results").get(0);
        assertThat(step.get("offered_rate").asDouble()).isEqualTo(20.0);
        long sent = step.get("sent").asLong();
        assertThat(sent).isPositive();
        assertThat(step.get("acked").asLong()).isEqualTo(sent);
        assertThat(step.get("send_errors").asLong()).isZero();
        assertThat(step.get("scored").asLong()).as("one score per checkpoint").isEqualTo(sent);
        assertThat(step.get("duplicates").asLong()).isZero();
        assertThat(step.get("missing").asLong()).isZero();
        assertThat(step.get("dead_letters").asLong()).isZero();
        assertThat(step.get("drained").asBoolean()).isTrue();
        for (String field : new String[] {"achieved_produce_rate", "scored_rate"}) {
            assertThat(step.get(field).isNumber()).as(field).isTrue();
        }
        JsonNode latency = step.get("latency_ms");
        for (String kind : new String[] {"record_to_score", "send_to_score_seen"}) {
            JsonNode l = latency.get(kind);
            assertThat(l.get("count").asLong()).as(kind).isEqualTo(sent);
            for (String q : new String[] {"p50", "p95", "p99", "max"}) {
                assertThat(l.get(q).isNumber()).as(kind + " " + q).isTrue();
            }
            assertThat(l.get("p50").asDouble()).isLessThanOrEqualTo(l.get("p99").asDouble());
            assertThat(l.get("p99").asDouble()).isLessThanOrEqualTo(l.get("max").asDouble());
        }
        assertThat(step.get("service_histograms").has("weightcast_streams_feature_duration_seconds")).isTrue();
        assertThat(step.get("cpu_during_send").get("process_cores").isNumber()).isTrue();

        JsonNode totals = report.get("totals");
        assertThat(totals.get("every_checkpoint_scored_once").asBoolean()).isTrue();
        assertThat(totals.get("scored").asLong()).isEqualTo(totals.get("sent").asLong());
        assertThat(totals.get("unmatched_scores").asLong()).isZero();
    }
}
