package io.weightcast.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A zoo run's {@code events.jsonl}: the started event's hyper-parameters, the reported metrics of
 * every epoch (test-split {@code eval/*} and {@code dead_fraction/*} keys included: they are the
 * benchmark's ground truth, never features) and the finished event's final test accuracy (the label).
 *
 * @param metricsByStep      index i holds step i + 1; null where that step's event is missing
 * @param finalTrainAccuracy the finished event's {@code final.train_accuracy} (eval mode, the run's
 *                           training subset); NaN when absent
 */
public record RunEvents(String runId, String study, String activation, Map<String, Object> hparams,
                        List<Map<String, Double>> metricsByStep, double finalTestAccuracy, double finalTrainAccuracy) {

    public static RunEvents read(Path file, int epochs) throws IOException {
        String runId = null;
        String study = null;
        Map<String, Object> hparams = Map.of();
        List<Map<String, Double>> byStep = new ArrayList<>(Collections.nCopies(epochs, null));
        Double finalAcc = null;
        Double finalTrain = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = Json.MAPPER.readTree(line);
            runId = e.path("run_id").asText(runId);
            study = e.hasNonNull("study") ? e.get("study").asText() : study;
            switch (e.path("type").asText("")) {
                case "started" -> hparams = Json.MAPPER.convertValue(e.path("hparams"), Map.class);
                case "metrics" -> {
                    int step = e.path("step").asInt(0);
                    if (step >= 1 && step <= epochs) {
                        byStep.set(step - 1, numbers(e.path("metrics")));
                    }
                }
                case "finished" -> {
                    finalAcc = number(e.path("final").path("test_accuracy"));
                    finalTrain = number(e.path("final").path("train_accuracy"));
                }
                default -> { }
            }
        }
        if (runId == null || finalAcc == null || !Double.isFinite(finalAcc)) {
            throw new IOException(file + " has no run id or no finished event with a finite final.test_accuracy");
        }
        Object act = hparams == null ? null : hparams.get("activation");
        return new RunEvents(runId, study, act == null ? null : act.toString(), hparams, byStep, finalAcc,
                finalTrain == null ? Double.NaN : finalTrain);
    }

    /** The metric at a step (1-based), NaN when absent. */
    public double metric(int step, String key) {
        Map<String, Double> m = step >= 1 && step <= metricsByStep.size() ? metricsByStep.get(step - 1) : null;
        Double v = m == null ? null : m.get(key);
        return v == null ? Double.NaN : v;
    }

    private static Map<String, Double> numbers(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            Double v = number(f.getValue());
            if (v != null) {
                out.put(f.getKey(), v);
            }
        }
        return out;
    }

    /** A number, or the strings the zoo writes for non-finite numbers ("NaN", "Infinity", "-Infinity"). */
    static Double number(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return switch (v.asText()) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> null;
        };
    }
}
