package io.weightcast.core.records;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code __metadata__} of a checkpoint (design §4): {@code run_id}, {@code step},
 * {@code planned_steps}, {@code framework}, {@code activation}, optional {@code study},
 * {@code metrics} (a JSON object of numbers), optional {@code hparams} (a JSON object of the run's
 * declared hyper-parameters: numbers, strings, booleans; nested values are dropped), and
 * {@code part}/{@code parts} for split checkpoints.
 */
public record CheckpointMetadata(
        String runId, long step, Integer plannedSteps, String framework, String activation, String study,
        Map<String, Double> metrics, Map<String, Object> hparams, int part, int parts) {

    public CheckpointMetadata {
        hparams = hparams == null ? Map.of() : hparams;
    }

    /**
     * This checkpoint's metadata with what its run sent on the {@code runs} topic filled in, so a producer's
     * {@code started} and {@code metrics} events count like the same values in the metadata. The checkpoint's own
     * values win: study and planned steps when present, hyper-parameters and metrics key by key.
     *
     * @param stepMetrics what the run's {@code metrics} events reported for this checkpoint's step (may be empty)
     */
    public CheckpointMetadata withRunDeclarations(String declaredStudy, Integer declaredPlannedSteps,
                                                  Map<String, Object> declaredHparams, Map<String, Double> stepMetrics) {
        Map<String, Object> h = new LinkedHashMap<>(declaredHparams == null ? Map.of() : declaredHparams);
        h.putAll(hparams);
        Map<String, Double> m = new LinkedHashMap<>(stepMetrics == null ? Map.of() : stepMetrics);
        if (metrics != null) {
            m.putAll(metrics);
        }
        return new CheckpointMetadata(runId, step, plannedSteps != null ? plannedSteps : declaredPlannedSteps, framework,
                activation, study != null ? study : declaredStudy, m, h, part, parts);
    }

    public static CheckpointMetadata parse(Map<String, String> meta, String keyRunId) {
        String runId = meta.getOrDefault("run_id", keyRunId);
        if (runId == null || runId.isBlank()) {
            throw new MalformedRecordException("checkpoint has no run_id (neither metadata nor record key)");
        }
        if (keyRunId != null && !keyRunId.equals(runId)) {
            throw new MalformedRecordException("metadata run_id '" + runId + "' differs from record key '" + keyRunId + "'");
        }
        long step = parseLong(meta, "step", null);
        if (step < 0) {
            throw new MalformedRecordException("step must be >= 0, was " + step);
        }
        Integer planned = meta.containsKey("planned_steps") ? (int) parseLong(meta, "planned_steps", null) : null;
        if (planned != null && planned <= 0) {
            throw new MalformedRecordException("planned_steps must be positive, was " + planned);
        }
        int part = (int) parseLong(meta, "part", 0L);
        int parts = (int) parseLong(meta, "parts", 1L);
        if (parts < 1 || part < 0 || part >= parts) {
            throw new MalformedRecordException("part " + part + " of " + parts + " is out of range");
        }
        return new CheckpointMetadata(runId, step, planned, meta.get("framework"), meta.get("activation"),
                meta.get("study"), parseMetrics(meta.get("metrics")), parseHparams(meta.get("hparams")), part, parts);
    }

    private static long parseLong(Map<String, String> meta, String key, Long fallback) {
        String v = meta.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new MalformedRecordException("checkpoint metadata lacks '" + key + "'");
            }
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new MalformedRecordException("metadata '" + key + "' is not an integer: '" + v + "'");
        }
    }

    private static Map<String, Object> parseHparams(String json) {
        Map<String, Object> raw = parseObject(json, "hparams");
        Map<String, Object> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (v instanceof Number || v instanceof String || v instanceof Boolean) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static Map<String, Double> parseMetrics(String json) {
        Map<String, Double> out = new LinkedHashMap<>();
        parseObject(json, "metrics").forEach((k, v) -> {
            if (v instanceof Number n) {
                out.put(k, n.doubleValue());
            }
        });
        return out;
    }

    /** A metadata value that must hold a JSON object; empty when absent. */
    private static Map<String, Object> parseObject(String json, String key) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, Object> raw = Json.MAPPER.readValue(json, new TypeReference<Map<String, Object>>() { });
            if (raw == null) { // the JSON text "null" (found by IngestFuzzTest)
                throw new MalformedRecordException("metadata '" + key + "' is not a JSON object: null");
            }
            return raw;
        } catch (IOException e) {
            throw new MalformedRecordException("metadata '" + key + "' is not a JSON object: " + Json.originalMessage(e));
        }
    }
}
