package io.weightcast.trainer;

import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.model.TestSetNoise;
import io.weightcast.core.model.TopRunModel;
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
        Map<String, Double> out = new TreeMap<>();
        finalsByStudy(zoo).forEach((study, accs) -> out.put(study, RegressionMetrics.quantile(finals(accs), percentile)));
        return out;
    }

    /**
     * Per study (and {@value #ALL_STUDIES}), the width of the early-stop classifier's soft labels at that
     * study's label cut (core {@link TopRunModel#labelSigma}: test-set standard errors, the test size read off
     * the study's final accuracies, else off the whole zoo's); NaN (hard labels) where no test size shows.
     */
    public static Map<String, Double> labelSigmas(List<ZooRun> zoo, Map<String, Double> labelCuts) {
        Map<String, List<Double>> byStudy = finalsByStudy(zoo);
        double zooImages = TestSetNoise.images(finals(byStudy.getOrDefault(ALL_STUDIES, List.of())));
        Map<String, Double> out = new TreeMap<>();
        byStudy.forEach((study, accs) -> out.put(study, TopRunModel.labelSigma(of(labelCuts, study), finals(accs), zooImages)));
        return out;
    }

    /** Per study, and under {@value #ALL_STUDIES} for all runs, the final accuracies. */
    private static Map<String, List<Double>> finalsByStudy(List<ZooRun> zoo) {
        Map<String, List<Double>> byStudy = new TreeMap<>();
        for (ZooRun run : zoo) {
            byStudy.computeIfAbsent(ALL_STUDIES, k -> new ArrayList<>()).add(run.finalAccuracy());
            if (run.study() != null && !run.study().isBlank()) {
                byStudy.computeIfAbsent(run.study(), k -> new ArrayList<>()).add(run.finalAccuracy());
            }
        }
        return byStudy;
    }

    private static double[] finals(List<Double> accs) {
        return accs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The study's value, else the whole zoo's. */
    public static double of(Map<String, Double> references, String study) {
        Double v = study == null ? null : references.get(study);
        return v != null ? v : references.get(ALL_STUDIES);
    }
}
