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
 * Exactly-once under kill -9, for real: the broker, streams, scorer and trainer run as separate JVMs;
 * streams and scorer are SIGKILLed together while checkpoints flow, restarted on the same state dirs
 * after 2 s, and afterwards every (run_id, step) sent must have exactly one feature and one score on
 * the topics as a read_committed consumer sees them (no deduplication), with model versions strictly
 * increasing. A pipeline that lost the killed instances' in-flight work, or replayed it without
 * exactly-once, fails here.
 */
class ChaosExactlyOnceTest {

    @Test
    @Timeout(300)
    void killingStreamsAndScorerMidLoadLosesAndDuplicatesNothing(@TempDir Path out) throws Exception {
        // Not a @TempDir: when the check fails, the processes' logs stay in target/ for the post-mortem.
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "chaos-test-");
        ChaosCommand command = new ChaosCommand();
        int code = new CommandLine(command).execute("--kill", "streams,scorer", "--warmup", "40", "--checkpoints", "400", "--rate", "50",
                "--kill-at", "0.4", "--downtime", "2", "--concurrent-runs", "8", "--quiet", "4",
                "--jvm-opts", "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "--data-dir", data.toString(), "--out-dir", out.toString(),
                "-s", "trainer.min.runs=6", "-s", "trainer.refit.every=4");

        ChaosReport report = command.report;
        assertThat(report).isNotNull();
        assertThat(report.kills()).extracting(ChaosReport.Kill::target).containsExactly("streams", "scorer");
        for (ChaosReport.Kill k : report.kills()) {
            assertThat(k.exitStatus()).as(k.target() + " died of SIGKILL (128 + 9)").isEqualTo(137);
            assertThat(k.newPid()).as(k.target() + " runs again as a new process").isPositive().isNotEqualTo(k.pid());
            assertThat(k.readySeconds()).as(k.target() + " ready again after the restart").isNotNull();
            assertThat(k.killAtSent()).as("40 warm-up + 40% of 400").isEqualTo(200);
            assertThat(k.scoresAtKill()).as("killed while the pipeline was at work").isGreaterThanOrEqualTo(40);
        }
        ChaosReport.Verification v = report.verification();
        assertThat(v.settled()).as("pipeline quiet at the end").isTrue();
        assertThat(v.checkpointsSent()).isEqualTo(440);
        assertThat(v.acked()).isEqualTo(440);
        assertThat(v.checkpointRecords()).as("one checkpoint record per send (idempotent producer)").isEqualTo(440);
        assertThat(v.missing()).as("missing (run, step): " + v.examples()).isZero();
        assertThat(v.duplicates()).as("duplicated (run, step): " + v.examples()).isZero();
        assertThat(v.unexpectedKeys()).isZero();
        assertThat(v.features()).isEqualTo(440);
        assertThat(v.scores()).isEqualTo(440);
        assertThat(v.deadLetters()).isZero();
        // "no version problems" is also true when nothing was published: the trainer must have published, and
        // at least twice, so that "strictly increasing" compared something
        assertThat(v.modelVersions()).as("model versions published by the trainer").hasSizeGreaterThanOrEqualTo(2);
        assertThat(v.modelVersionProblems()).as("model versions " + v.modelVersions()).isZero();
        assertThat(report.exactlyOnce()).isTrue();
        assertThat(code).isZero();

        JsonNode json = Json.MAPPER.readTree(command.written.toFile());
        assertThat(command.written.getFileName().toString()).matches("chaos-streams\\+scorer-\\d{8}-\\d{6}\\.json");
        assertThat(json.get("config").get("kill").get(0).asText()).isEqualTo("streams");
        assertThat(json.get("verification").get("missing").asLong()).isZero();
        assertThat(json.get("verification").get("duplicates").asLong()).isZero();
        assertThat(json.get("kills").get(0).get("exit_status").asInt()).isEqualTo(137);
        assertThat(json.get("wall_seconds").asDouble()).isPositive();
        ScratchDirs.delete(data);
    }
}
