package io.weightcast.app.live;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.eval.RunEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One run of a zoo directory (clients/python/weightcast/demo/zoo_directory.py), as the replay sends it
 * under a new id.
 *
 * @param replayId the run id on the topics (the zoo's id with the replay's prefix, unique per replay)
 * @param study    the replay's study (shared by its history and live runs, so the study reference is theirs)
 */
public record ZooRun(String replayId, String study, Path dir, RunEvents events, int epochs) {
    /** Keys the zoo measured on the TEST split for the benchmark: never sent (they are the ground truth). */
    static final String EVAL_PREFIX = "eval/";

    public Path checkpoint(int step) {
        return dir.resolve(String.format(Locale.ROOT, "step-%03d.safetensors", step));
    }

    /** What the training loop reported at {@code step} (1-based), without the benchmark-only {@code eval/*} keys. */
    public Map<String, Double> reportedMetrics(int step) {
        Map<String, Double> all = events.metricsByStep().get(step - 1);
        Map<String, Double> out = new LinkedHashMap<>();
        if (all != null) {
            all.forEach((k, v) -> {
                if (!k.startsWith(EVAL_PREFIX)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** Whether a checkpoint of the run (what the checkpoints topic carried) holds a NaN or infinite weight. */
    public boolean hasNonFiniteWeights() {
        for (int s = 1; s <= epochs; s++) {
            try {
                SafeTensors file = SafeTensors.read(Files.readAllBytes(checkpoint(s)));
                for (TensorInfo t : file.tensors()) {
                    for (double v : file.values(t)) {
                        if (!Double.isFinite(v)) {
                            return true;
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    public String activation() {
        return events.activation();
    }
}
