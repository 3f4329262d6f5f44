package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden shapes of the three hook formats for one fixed alert. */
class HookBodiesTest {
    private static final HookBodies BODIES = new HookBodies("http://scorer.example:8081/");

    private static Alert alert(String runId, String study, String severity) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("nonfinite_values", 1);
        evidence.put("tensors", List.of("fc1.weight"));
        return new Alert(runId, 2, Alert.NONFINITE_WEIGHTS, severity, evidence, 7, study, 1_700_000_000_000L);
    }

    private static JsonNode tree(byte[] body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    private static JsonNode tree(String json) throws Exception {
        return Json.MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void jsonPassesTheTopicRecordThroughByteForByte() {
        byte[] record = "{\"run_id\":\"r\",\"kind\":\"X\",\"extra\":[1, 2]}".getBytes(StandardCharsets.UTF_8);
        assertThat(BODIES.render(HookFormat.JSON, alert("r", null, "info"), record)).isSameAs(record);
    }

    @Test
    void alertmanagerBodyIsTheApiV2AlertArray() throws Exception {
        JsonNode body = tree(BODIES.render(HookFormat.ALERTMANAGER, alert("run a/1", "digits", "critical"), new byte[0]));
        assertThat(body).isEqualTo(tree("""
                [{"labels": {"alertname": "WeightcastNonfiniteWeights", "run_id": "run a/1", "study": "digits",
                             "severity": "critical", "kind": "NONFINITE_WEIGHTS"},
                  "annotations": {
                    "summary": "NONFINITE_WEIGHTS (critical) for run run a/1 at step 2",
                    "description": "Run run a/1 of study digits, step 2: NONFINITE_WEIGHTS, severity critical, model version 7. Evidence: nonfinite_values=1, tensors=[\\"fc1.weight\\"]",
                    "evidence": "{\\"nonfinite_values\\":1,\\"tensors\\":[\\"fc1.weight\\"]}"},
                  "startsAt": "2023-11-14T22:13:20Z",
                  "generatorURL": "http://scorer.example:8081/v1/runs/run%20a%2F1"}]
                """));
    }

    @Test
    void alertmanagerOmitsAMissingStudyLabel() throws Exception {
        JsonNode labels = tree(BODIES.render(HookFormat.ALERTMANAGER, alert("r", null, null), new byte[0])).get(0).get("labels");
        assertThat(labels.has("study")).isFalse();
        assertThat(labels.get("severity").asText()).isEqualTo("unknown");
    }

    @Test
    void slackBodyHasFallbackTextAndBlocks() throws Exception {
        JsonNode body = tree(BODIES.render(HookFormat.SLACK, alert("run-<a>", "digits", "critical"), new byte[0]));
        assertThat(body).isEqualTo(tree("""
                {"text": ":red_circle: NONFINITE_WEIGHTS (critical) for run run-<a> at step 2",
                 "blocks": [
                   {"type": "section", "text": {"type": "mrkdwn",
                     "text": ":red_circle: *NONFINITE_WEIGHTS* (critical) for run `run-&lt;a&gt;`"}},
                   {"type": "section", "fields": [
                     {"type": "mrkdwn", "text": "*Run*\\nrun-&lt;a&gt;"},
                     {"type": "mrkdwn", "text": "*Study*\\ndigits"},
                     {"type": "mrkdwn", "text": "*Step*\\n2"},
                     {"type": "mrkdwn", "text": "*Model version*\\n7"}]},
                   {"type": "section", "text": {"type": "mrkdwn",
                     "text": "*Evidence*\\n```{\\"nonfinite_values\\":1,\\"tensors\\":[\\"fc1.weight\\"]}```"}},
                   {"type": "context", "elements": [{"type": "mrkdwn",
                     "text": "raised 2023-11-14T22:13:20Z · <http://scorer.example:8081/v1/runs/run-%3Ca%3E|run details>"}]}]}
                """));
    }

    @Test
    void slackTruncatesHugeEvidenceBelowItsSectionLimit() throws Exception {
        Alert big = new Alert("r", 1, Alert.DYING_RELU, "warning", Map.of("layers", "x".repeat(10_000)), null, null, 0L);
        JsonNode body = tree(BODIES.render(HookFormat.SLACK, big, new byte[0]));
        for (JsonNode block : body.get("blocks")) {
            if (block.has("text")) {
                assertThat(block.get("text").get("text").asText().length()).isLessThanOrEqualTo(3000);
            }
        }
        assertThat(body.get("text").asText()).startsWith(":warning: DYING_RELU (warning)");
    }
}
