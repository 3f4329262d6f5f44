package io.weightcast.scorer.webhook;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The human-readable pieces the Slack and Alertmanager bodies share. */
final class AlertText {
    private AlertText() {
    }

    static String summary(Alert a) {
        return a.kind() + " (" + severity(a) + ") for run " + a.runId() + " at step " + a.step();
    }

    static String description(Alert a) {
        return "Run " + a.runId() + (a.study() == null ? "" : " of study " + a.study()) + ", step " + a.step() + ": "
                + a.kind() + ", severity " + severity(a)
                + (a.modelVersion() == null ? "" : ", model version " + a.modelVersion())
                + ". Evidence: " + evidenceLine(a.evidence());
    }

    static String severity(Alert a) {
        return a.severity() == null ? "unknown" : a.severity().toLowerCase(Locale.ROOT);
    }

    static String evidenceJson(Alert a) {
        return Json.string(a.evidence() == null ? Map.of() : a.evidence());
    }

    static String raisedAt(Alert a) {
        return Instant.ofEpochMilli(a.raisedAt()).toString();
    }

    /** The run's page on the scorer API: where Alertmanager's generatorURL and Slack's link point. */
    static String runUrl(String publicUrl, Alert a) {
        return publicUrl + "/v1/runs/" + URLEncoder.encode(a.runId(), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** CamelCase alert name for Alertmanager: DYING_RELU → WeightcastDyingRelu. */
    static String alertName(String kind) {
        StringBuilder b = new StringBuilder("Weightcast");
        for (String part : (kind == null ? "unknown" : kind).toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
            }
        }
        return b.toString();
    }

    private static String evidenceLine(Map<String, Object> evidence) {
        if (evidence == null || evidence.isEmpty()) {
            return "none";
        }
        return evidence.entrySet().stream().map(e -> e.getKey() + "=" + Json.string(e.getValue())).collect(Collectors.joining(", "));
    }
}
