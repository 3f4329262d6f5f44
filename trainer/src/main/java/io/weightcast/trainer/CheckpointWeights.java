package io.weightcast.trainer;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.ArchitectureSignature;
import io.weightcast.core.ssl.WeightTokens;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The zoo's raw weights as tokens, for training the encoder (self-supervised: weights only) and for
 * embedding zoo checkpoints with it. Read from the {@code checkpoints} topic. Bounded: only whole
 * (unsplit) checkpoints of at most {@code maxParameters} weights, at most {@code maxCheckpoints} of
 * them (the digits CNN: 20 KB each, so the default 10,000 hold 200 MB); what does not fit is
 * counted, not kept; so are checkpoints with NaN/Inf weights. Poll thread only.
 */
final class CheckpointWeights {
    enum Skip { SPLIT, TOO_LARGE, FULL, NO_LAYERS, NONFINITE }

    private final int maxParameters;
    private final int maxCheckpoints;
    private final Map<String, TreeMap<Long, WeightTokens>> byRun = new HashMap<>();
    private int held;

    CheckpointWeights(int maxParameters, int maxCheckpoints) {
        this.maxParameters = maxParameters;
        this.maxCheckpoints = maxCheckpoints;
    }

    /** Keeps the checkpoint's tokens, or says why not. Throws for records that do not decode. */
    Skip offer(byte[] value, String keyRunId) {
        SafeTensors file = SafeTensors.read(value);
        CheckpointMetadata meta = CheckpointMetadata.parse(file.metadata(), keyRunId);
        if (meta.parts() > 1) {
            return Skip.SPLIT;
        }
        ArchitectureSignature signature;
        try {
            signature = ArchitectureSignature.of(file);
        } catch (IllegalArgumentException e) {
            return Skip.NO_LAYERS;
        }
        if (signature.parameters() > maxParameters) {
            return Skip.TOO_LARGE;
        }
        TreeMap<Long, WeightTokens> steps = byRun.computeIfAbsent(meta.runId(), k -> new TreeMap<>());
        if (!steps.containsKey(meta.step()) && held >= maxCheckpoints) {
            return Skip.FULL;
        }
        WeightTokens tokens = WeightTokens.of(file, signature);
        if (!tokens.isFinite()) {
            return Skip.NONFINITE; // a diverged checkpoint teaches an encoder nothing but NaN
        }
        if (steps.put(meta.step(), tokens) == null) {
            held++;
        }
        return null;
    }

    WeightTokens get(String runId, long step) {
        TreeMap<Long, WeightTokens> steps = byRun.get(runId);
        return steps == null ? null : steps.get(step);
    }

    /** Every held checkpoint of these runs with this architecture, by run then step. */
    List<WeightTokens> of(List<String> runIds, String architecture) {
        List<WeightTokens> out = new ArrayList<>();
        for (String run : runIds) {
            TreeMap<Long, WeightTokens> steps = byRun.get(run);
            if (steps != null) {
                steps.values().stream().filter(t -> t.signature().key().equals(architecture)).forEach(out::add);
            }
        }
        return out;
    }

    /** The architecture with the most held checkpoints among these runs, or null. */
    String dominantArchitecture(List<String> runIds) {
        Map<String, Integer> counts = new HashMap<>();
        for (String run : runIds) {
            TreeMap<Long, WeightTokens> steps = byRun.get(run);
            if (steps != null) {
                steps.values().forEach(t -> counts.merge(t.signature().key(), 1, Integer::sum));
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /** How many of these runs have at least one held checkpoint of the architecture. */
    int runsWith(List<String> runIds, String architecture) {
        int n = 0;
        for (String run : runIds) {
            TreeMap<Long, WeightTokens> steps = byRun.get(run);
            if (steps != null && steps.values().stream().anyMatch(t -> t.signature().key().equals(architecture))) {
                n++;
            }
        }
        return n;
    }

    int held() {
        return held;
    }
}
