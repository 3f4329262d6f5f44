package io.weightcast.trainer;

import io.weightcast.core.model.RegressionMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scorer's early-stop references (design §6): per study, the 75th percentile (numpy-linear)
 * of final test accuracy over ALL zoo runs of that study (train and holdout: this is a fact about
 * the zoo, not a model output). Key {@value #ALL_STUDIES} holds the same over the whole zoo, the
 * fallback for runs without a study or of a study the zoo has not seen finish yet.
 */
public final class StudyReferences {
    public static final String ALL_STUDIES = "*";
    public static final double PERCENTILE = 0.75;

    private StudyReferences() {
    }

    public static Map<String, Double> of(List<ZooRun> zoo) {
        return of(zoo, PERCENTILE);
    }

    /** The same for another percentile (e.g. the early-stop rule's label and reference). */
    public static Map<String, Double> of(List<ZooRun> zoo, double percentile) {
        Map<String, List<Double>> byStudy = new TreeMap<>();
        for (ZooRun run : zoo) {
            byStudy.computeIfAbsent(ALL_STUDIES, k -> new ArrayList<>()).add(run.finalAccuracy());
            if (run.study() != null && !run.study().isBlank()) {
                byStudy.computeIfAbsent(run.study(), k -> new ArrayList<>()).add(run.finalAccuracy());
            }
        }
        Map<String, Double> out = new TreeMap<>();
        byStudy.forEach((study, accs) ->
                out.put(study, RegressionMetrics.quantile(accs.stream().mapToDouble(Double::doubleValue).toArray(), percentile)));
        return out;
    }

    /** The study's value, else the whole zoo's. */
    public static double of(Map<String, Double> references, String study) {
        Double v = study == null ? null : references.get(study);
        return v != null ? v : references.get(ALL_STUDIES);
    }
}
