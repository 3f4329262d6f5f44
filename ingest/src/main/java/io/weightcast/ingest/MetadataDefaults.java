package io.weightcast.ingest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Checkpoint metadata supplied beside the file (HTTP query parameters, SDK arguments). It only fills
 * keys the file's {@code __metadata__} lacks: the file is what the training loop wrote, so it wins;
 * the one hard conflict, two different steps, is refused rather than silently resolved.
 */
public record MetadataDefaults(Long step, Integer plannedSteps, String activation, String study, String framework,
                               String metrics) {

    public static final MetadataDefaults NONE = new MetadataDefaults(null, null, null, null, null, null);

    /** Reads {@code step}, {@code planned_steps}, {@code activation}, {@code study}, {@code framework}. */
    public static MetadataDefaults fromQuery(Function<String, String> param) {
        return new MetadataDefaults(
                integer(param, "step"),
                planned(param),
                text(param, "activation"),
                text(param, "study"),
                text(param, "framework"),
                null);
    }

    /** The file's metadata with the defaults (and {@code run_id}) added where absent. */
    public Map<String, String> applyTo(String runId, Map<String, String> fileMetadata) {
        Map<String, String> merged = new LinkedHashMap<>(fileMetadata);
        merged.putIfAbsent("run_id", runId);
        String fileStep = fileMetadata.get("step");
        if (step != null && fileStep != null && !fileStep.strip().equals(step.toString())) {
            throw new IngestRejection(RejectReason.INVALID_METADATA,
                    "step " + step + " in the request differs from step '" + fileStep + "' in the checkpoint metadata");
        }
        putIfAbsent(merged, "step", step == null ? null : step.toString());
        putIfAbsent(merged, "planned_steps", plannedSteps == null ? null : plannedSteps.toString());
        putIfAbsent(merged, "activation", activation);
        putIfAbsent(merged, "study", study);
        putIfAbsent(merged, "framework", framework);
        putIfAbsent(merged, "metrics", metrics);
        return merged;
    }

    private static void putIfAbsent(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.putIfAbsent(key, value);
        }
    }

    private static String text(Function<String, String> param, String name) {
        String v = param.apply(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static Long integer(Function<String, String> param, String name) {
        String v = text(param, name);
        if (v == null) {
            return null;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new IngestRejection(RejectReason.INVALID_PARAMETER, "query parameter '" + name + "' must be >= 0, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IngestRejection(RejectReason.INVALID_PARAMETER, "query parameter '" + name + "' is not an integer: '" + v + "'");
        }
    }

    private static Integer planned(Function<String, String> param) {
        Long v = integer(param, "planned_steps");
        if (v == null) {
            return null;
        }
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new IngestRejection(RejectReason.INVALID_PARAMETER, "query parameter 'planned_steps' must be in [1, "
                    + Integer.MAX_VALUE + "], was " + v);
        }
        return v.intValue();
    }
}
