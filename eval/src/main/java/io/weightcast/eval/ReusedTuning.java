package io.weightcast.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tuning of an earlier {@code predict.json} ({@code eval --tuning-from FILE}): its chosen LightGBM
 * configuration, mode and trees per feature set, so a re-run on the same split skips the random
 * search (most of the benchmark's time) and only refits. Refused unless that file held out exactly
 * these runs (same zoo, split and seed): a tuning chosen with other runs' labels would leak.
 *
 * @param tuned feature set → how to fit it, as the earlier run chose
 * @param model the earlier run's {@code model} section, recorded as it was with {@code tuning_reused_from}
 */
record ReusedTuning(Map<String, TunedModel> tuned, Map<String, Object> model) {

    static ReusedTuning read(Path file, List<String> testRunIds, int epochs) throws IOException {
        Map<String, Object> t;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = new ObjectMapper().readValue(file.toFile(), Map.class);
            t = read;
        } catch (IOException e) {
            throw new IOException("--tuning-from " + file + ": " + e.getMessage(), e);
        }
        Object earlier = JsonTree.get(t, "zoo", "test_run_ids");
        if (!testRunIds.equals(earlier)) {
            throw new IllegalArgumentException("--tuning-from " + file + " was tuned on another split (its held-out runs differ "
                    + "from this run's: give the same --zoo, --seed and --test-fraction, or tune afresh)");
        }
        Map<String, TunedModel> tuned = new LinkedHashMap<>();
        for (FeatureSet set : FeatureSet.standard()) {
            Map<String, Object> p = JsonTree.map(t, "model", "params", set.name());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("--tuning-from " + file + " has no tuning for feature set " + set.name());
            }
            tuned.put(set.name(), tunedModel(p, epochs));
        }
        Map<String, Object> model = new LinkedHashMap<>(JsonTree.map(t, "model"));
        model.put("tuning_reused_from", Map.of("file", file.toString(), "generated_at", String.valueOf(t.get("generated_at")),
                "command", String.valueOf(t.get("command"))));
        return new ReusedTuning(tuned, model);
    }

    private static TunedModel tunedModel(Map<String, Object> p, int epochs) {
        ModelMode mode = ModelMode.valueOf(String.valueOf(p.get("mode")).toUpperCase(java.util.Locale.ROOT));
        int[] iterations;
        if (p.get("iterations") instanceof List<?> perEpoch) {
            iterations = perEpoch.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        } else {
            iterations = new int[] {(int) JsonTree.num(p, "iterations")};
        }
        if (mode == ModelMode.PER_EPOCH && iterations.length != epochs) {
            throw new IllegalArgumentException("per-epoch tuning with " + iterations.length + " epochs, this zoo has " + epochs);
        }
        int most = java.util.Arrays.stream(iterations).max().orElse(1);
        GbmParams params = new GbmParams((int) JsonTree.num(p, "num_leaves"), JsonTree.num(p, "learning_rate"),
                (int) JsonTree.num(p, "min_data_in_leaf"), JsonTree.num(p, "feature_fraction"), JsonTree.num(p, "lambda_l2"), most);
        return new TunedModel(params, mode, iterations, JsonTree.num(p, "cv_mse"));
    }
}
