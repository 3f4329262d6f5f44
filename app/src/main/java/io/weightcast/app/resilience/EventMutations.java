package io.weightcast.app.resilience;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Broken run-event bodies (the JSON of {@code POST /v1/runs/{run}/events} and of the {@code runs} topic)
 * and broken {@code models} records, for {@code weightcast safety}: seeded like {@link CheckpointMutations},
 * input {@code i} of kind {@code i % kinds}.
 */
final class EventMutations {
    static final List<String> EVENT_KINDS = List.of("truncated_json", "not_an_object", "unknown_type", "missing_type",
            "metrics_without_step", "finished_without_accuracy", "non_finite_accuracy", "negative_planned_steps", "wrong_field_types",
            "deep_nesting", "invalid_utf8", "empty_body", "other_run_id", "huge_number");

    static final List<String> MODEL_KINDS = List.of("random_bytes", "not_json", "empty_object", "unsigned_model", "bad_signature");

    /** One broken input and its kind. */
    record Broken(String kind, byte[] bytes) {
    }

    private final long seed;

    EventMutations(long seed) {
        this.seed = seed;
    }

    Broken event(int index, String runId) {
        String kind = EVENT_KINDS.get(index % EVENT_KINDS.size());
        SplittableRandom r = random(index);
        String started = "{\"type\":\"started\",\"run_id\":\"" + runId + "\",\"study\":\"safety\",\"planned_steps\":18}";
        String body = switch (kind) {
            case "truncated_json" -> started.substring(0, 1 + r.nextInt(started.length() - 1));
            case "not_an_object" -> List.of("[1,2,3]", "null", "42", "\"started\"", "true").get(r.nextInt(5));
            case "unknown_type" -> started.replace("\"started\"", "\"paused\"");
            case "missing_type" -> started.replace("\"type\":\"started\",", "");
            case "metrics_without_step" -> "{\"type\":\"metrics\",\"run_id\":\"" + runId + "\",\"metrics\":{\"loss\":0.5}}";
            case "finished_without_accuracy" -> "{\"type\":\"finished\",\"run_id\":\"" + runId + "\",\"final\":{}}";
            case "non_finite_accuracy" -> "{\"type\":\"finished\",\"run_id\":\"" + runId + "\",\"final\":{\"test_accuracy\":"
                    + List.of("NaN", "\"NaN\"", "Infinity", "1e999").get(r.nextInt(4)) + "}}";
            case "negative_planned_steps" -> started.replace("18", "-" + (1 + r.nextInt(100)));
            case "wrong_field_types" -> "{\"type\":\"started\",\"run_id\":\"" + runId + "\",\"planned_steps\":\"x\",\"hparams\":[1]}";
            case "deep_nesting" -> "{\"type\":\"started\",\"hparams\":" + "[".repeat(5000 + r.nextInt(5000)) + "]".repeat(10) + "}";
            case "invalid_utf8" -> null;
            case "empty_body" -> "";
            case "other_run_id" -> started.replace(runId, runId + "-other");
            case "huge_number" -> started.replace("18", "1" + "0".repeat(400));
            default -> throw new IllegalArgumentException(kind);
        };
        if (body == null) {
            byte[] b = started.getBytes(StandardCharsets.UTF_8);
            b[10 + r.nextInt(b.length - 12)] = (byte) (0x80 | r.nextInt(0x40)); // a lone continuation byte
            return new Broken(kind, b);
        }
        return new Broken(kind, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A broken record for the models topic; {@code bad_signature} gets a signature header the harness adds. */
    Broken model(int index) {
        String kind = MODEL_KINDS.get(index % MODEL_KINDS.size());
        SplittableRandom r = random(index);
        String plausible = "{\"name\":\"final-accuracy\",\"version\":" + (1 + index) + ",\"layout_version\":1,\"feature_names\":[\"a\"],"
                + "\"model_text\":\"tree\\nversion=v4\\n\",\"training_runs\":3,\"training_rows\":30,\"created_at\":0}";
        byte[] bytes = switch (kind) {
            case "random_bytes" -> {
                byte[] b = new byte[1 + r.nextInt(2048)];
                r.nextBytes(b);
                yield b;
            }
            case "not_json" -> "model v9000 please load me".getBytes(StandardCharsets.UTF_8);
            case "empty_object" -> "{}".getBytes(StandardCharsets.UTF_8);
            default -> plausible.getBytes(StandardCharsets.UTF_8);
        };
        return new Broken(kind, bytes);
    }

    private SplittableRandom random(int index) {
        return new SplittableRandom(seed ^ (0xC2B2AE3D27D4EB4FL * (index + 1)));
    }
}
