package io.weightcast.app.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.weightcast.app.WeightcastCommand;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weightcast export} on a real broker: scores and alerts of two studies on two-partition scores and alerts
 * topics (as the scorer writes them); the command, run as the CLI runs it with only the broker up, writes exactly
 * one study's records in both formats.
 */
class ExportEndToEndTest {
    private static final Topics TOPICS = new Topics("export-e2e.");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @BeforeAll
    static void records() {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        send(TOPICS.scores(), score("r-2", 1, "alpha", 0.61, 7));
        send(TOPICS.scores(), score("r-1", 2, "alpha", 0.72, 7));
        send(TOPICS.scores(), score("r-1", 1, "alpha", 0.70, 7));
        send(TOPICS.scores(), score("other-1", 1, "beta", 0.10, 7));
        send(TOPICS.scores(), new Score("r-3", 1, 10, "alpha", null, null, null, null, List.of(), 1, 5L, 100L, "no model yet"));
        send(TOPICS.alerts(), new Alert("r-1", 2, Alert.NONFINITE_WEIGHTS, "critical", Map.of("nonfinite_values", 3, "note", "a, \"quoted\" note"),
                7, "alpha", 300L));
        send(TOPICS.alerts(), new Alert("other-1", 1, Alert.DYING_RELU, "warning", Map.of(), 7, "beta", 400L));
        KAFKA.writer().send(TOPICS.scores(), "r-9", "{\"run_id\":".getBytes(StandardCharsets.UTF_8)); // not a record: skipped
    }

    private static Score score(String run, long step, String study, double predicted, int model) {
        return new Score(run, step, 10, study, predicted, new Interval(0.8, predicted - 0.05, predicted + 0.04), null, model,
                List.of("slow", "noisy"), 1, 1000L + step, 2000L + step, null);
    }

    private static void send(String topic, Score s) {
        KAFKA.writer().send(topic, s.runId(), Json.bytes(s));
    }

    private static void send(String topic, Alert a) {
        KAFKA.writer().send(topic, a.runId(), Json.bytes(a));
    }

    private int export(String... args) {
        List<String> all = new ArrayList<>(List.of("export"));
        all.addAll(List.of(args));
        all.addAll(List.of("-s", Settings.BOOTSTRAP + "=" + KAFKA.bootstrapServers(), "-s", Settings.TOPIC_PREFIX + "=" + TOPICS.prefix()));
        return WeightcastCommand.commandLine().setCaseInsensitiveEnumValuesAllowed(true).execute(all.toArray(String[]::new));
    }

    @Test
    void csvHoldsOneStudysScoresAndAlertsByRunAndStep() throws Exception {
        Path out = dir.resolve("alpha.csv");
        assertThat(export("--study", "alpha", "--format", "csv", "--out", out.toString())).isZero();

        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).isEqualTo(String.join(",", StudyExport.CSV_COLUMNS));
        List<Map<String, String>> rows = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(out.toFile())) {
            it.forEachRemaining(rows::add);
        }
        assertThat(rows).extracting(r -> r.get("record") + ":" + r.get("run_id") + "@" + r.get("step"))
                .containsExactly("score:r-1@1", "score:r-1@2", "alert:r-1@2", "score:r-2@1", "score:r-3@1");
        Map<String, String> first = rows.get(0);
        assertThat(first).containsEntry("study", "alpha").containsEntry("predicted_final_accuracy", "0.7")
                .containsEntry("interval_level", "0.8").containsEntry("model_version", "7").containsEntry("flags", "slow;noisy")
                .containsEntry("at", "2001").containsEntry("kind", "");
        Map<String, String> alert = rows.get(2);
        assertThat(alert).containsEntry("kind", Alert.NONFINITE_WEIGHTS).containsEntry("severity", "critical").containsEntry("at", "300");
        assertThat(Json.MAPPER.readTree(alert.get("evidence")).path("note").asText()).isEqualTo("a, \"quoted\" note");
        assertThat(rows.get(4)).containsEntry("predicted_final_accuracy", "").containsEntry("note", "no model yet");
    }

    @Test
    void jsonlHoldsTheTopicRecordsWithTheirKind() throws Exception {
        Path out = dir.resolve("alpha.jsonl");
        assertThat(export("--study", "alpha", "--format", "jsonl", "--out", out.toString())).isZero();

        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(5);
        List<JsonNode> rows = new ArrayList<>();
        for (String line : lines) {
            rows.add(Json.MAPPER.readTree(line));
        }
        assertThat(rows).extracting(r -> r.path("record").asText() + ":" + r.path("run_id").asText() + "@" + r.path("step").asLong())
                .containsExactly("score:r-1@1", "score:r-1@2", "alert:r-1@2", "score:r-2@1", "score:r-3@1");
        assertThat(rows).allSatisfy(r -> assertThat(r.path("study").asText()).isEqualTo("alpha"));
        JsonNode second = rows.get(1).deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) second).remove("record");
        Score back = Json.MAPPER.treeToValue(second, Score.class);
        assertThat(back).isEqualTo(score("r-1", 2, "alpha", 0.72, 7));
        assertThat(rows.get(2).path("evidence").path("nonfinite_values").asInt()).isEqualTo(3);
    }

    @Test
    void withoutOutTheRecordsAndNothingElseGoToStdout() throws Exception {
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int code;
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = export("--study", "beta", "--format", "jsonl");
        } finally {
            System.setOut(stdout);
        }
        assertThat(code).isZero();
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(Json.MAPPER.readTree(lines.get(0)).path("record").asText()).isEqualTo("score");
        assertThat(Json.MAPPER.readTree(lines.get(1)).path("kind").asText()).isEqualTo(Alert.DYING_RELU);
    }

    @Test
    void anUnknownStudyWritesOnlyTheHeader() throws Exception {
        Path out = dir.resolve("none.csv");
        assertThat(export("--study", "gamma", "--out", out.toString())).isZero();
        assertThat(Files.readAllLines(out)).containsExactly(String.join(",", StudyExport.CSV_COLUMNS));
    }

    @Test
    void anUnreachableBrokerIsExitCodeOneWithinTheTimeout() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        long start = System.nanoTime();
        int code = WeightcastCommand.commandLine().setCaseInsensitiveEnumValuesAllowed(true).execute("export", "--study", "alpha", "--timeout-seconds", "2",
                "--out", dir.resolve("never.csv").toString(), "-s", Settings.BOOTSTRAP + "=127.0.0.1:" + port);
        assertThat(code).isEqualTo(1);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(30));
        assertThat(dir.resolve("never.csv")).doesNotExist();
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        assertThat(export("--study", "alpha", "--format", "xml")).isEqualTo(2);
    }
}
