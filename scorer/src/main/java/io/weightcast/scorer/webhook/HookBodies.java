package io.weightcast.scorer.webhook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;

/**
 * Renders one alert as a hook's request body. JSON passes the topic record's bytes through untouched
 * (receivers see exactly the contract's record); Slack and Alertmanager bodies are built from the parsed alert.
 */
public final class HookBodies {
    /** Slack refuses section texts above 3,000 characters. */
    private static final int SLACK_TEXT_LIMIT = 2900;

    private final String publicUrl;

    /** @param publicUrl the scorer's base URL as receivers reach it (links to the run), without trailing slash */
    public HookBodies(String publicUrl) {
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    public byte[] render(HookFormat format, Alert alert, byte[] record) {
        return switch (format) {
            case JSON -> record;
            case SLACK -> Json.bytes(slack(alert));
            case ALERTMANAGER -> Json.bytes(alertmanager(alert));
        };
    }

    /** {@code {"text": fallback, "blocks": [summary section, fields, evidence, context]}}. */
    ObjectNode slack(Alert a) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("text", icon(a) + " " + AlertText.summary(a));
        ArrayNode blocks = root.putArray("blocks");
        section(blocks, icon(a) + " *" + escape(a.kind()) + "* (" + AlertText.severity(a) + ") for run `" + escape(a.runId()) + "`");
        ObjectNode fields = blocks.addObject().put("type", "section");
        ArrayNode f = fields.putArray("fields");
        mrkdwn(f, "*Run*\n" + escape(a.runId()));
        mrkdwn(f, "*Study*\n" + (a.study() == null ? "-" : escape(a.study())));
        mrkdwn(f, "*Step*\n" + a.step());
        mrkdwn(f, "*Model version*\n" + (a.modelVersion() == null ? "-" : a.modelVersion().toString()));
        String evidence = AlertText.evidenceJson(a);
        if (evidence.length() > SLACK_TEXT_LIMIT) {
            evidence = evidence.substring(0, SLACK_TEXT_LIMIT) + "…";
        }
        section(blocks, "*Evidence*\n```" + escape(evidence) + "```");
        ObjectNode context = blocks.addObject().put("type", "context");
        mrkdwn(context.putArray("elements"), "raised " + AlertText.raisedAt(a) + " · <" + AlertText.runUrl(publicUrl, a) + "|run details>");
        return root;
    }

    /** Alertmanager API v2: {@code [{labels, annotations, startsAt, generatorURL}]}. */
    ArrayNode alertmanager(Alert a) {
        ArrayNode root = Json.MAPPER.createArrayNode();
        ObjectNode alert = root.addObject();
        ObjectNode labels = alert.putObject("labels");
        labels.put("alertname", AlertText.alertName(a.kind()));
        labels.put("run_id", a.runId());
        if (a.study() != null) {
            labels.put("study", a.study()); // an empty label value means "absent" to Alertmanager anyway
        }
        labels.put("severity", AlertText.severity(a));
        labels.put("kind", a.kind());
        ObjectNode annotations = alert.putObject("annotations");
        annotations.put("summary", AlertText.summary(a));
        annotations.put("description", AlertText.description(a));
        annotations.put("evidence", AlertText.evidenceJson(a));
        alert.put("startsAt", AlertText.raisedAt(a));
        alert.put("generatorURL", AlertText.runUrl(publicUrl, a));
        return root;
    }

    private static void section(ArrayNode blocks, String text) {
        ObjectNode s = blocks.addObject().put("type", "section");
        s.putObject("text").put("type", "mrkdwn").put("text", text);
    }

    private static void mrkdwn(ArrayNode into, String text) {
        into.addObject().put("type", "mrkdwn").put("text", text);
    }

    private static String icon(Alert a) {
        return switch (Severity.ofAlert(a.severity())) {
            case CRITICAL -> ":red_circle:";
            case WARNING -> ":warning:";
            case INFO -> ":information_source:";
        };
    }

    /** Slack's three control characters in mrkdwn text. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
