package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.features.HyperparameterFeatures;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * A named subset of the {@link FeatureLayout}: the families the issue compares (statistics, + norms,
 * + spectra, + reported learning curve, weights + curve, all (+ declared hyper-parameters); weights alone). Every set keeps the global columns
 * (step, step fraction, planned steps, layer and parameter count), so one model serves every epoch.
 */
public record FeatureSet(String name, String description, Predicate<String> includes) {
    private static final Set<String> STATS = Set.of("mean", "std", "p0", "p25", "p50", "p75", "p100");
    private static final Set<String> NORMS = Set.of("l1", "l2");
    /** Differ between architectures (widths, depths) without saying anything about a run's quality. */
    static final Set<String> ARCHITECTURE = Set.of("layer_count", "param_count");

    public static final FeatureSet STATISTICS = new FeatureSet("statistics",
            "kernel/bias mean, std, percentiles 0-25-50-75-100 (the paper's statistics), aggregated over layers; + step",
            n -> isStatistic(n) || isGlobal(n));
    public static final FeatureSet STATISTICS_NORMS = new FeatureSet("statistics_norms",
            "statistics + kernel/bias l1, l2 norms", n -> isStatistic(n) || isNorm(n) || isGlobal(n));
    public static final FeatureSet STATISTICS_NORMS_SPECTRA = new FeatureSet("statistics_norms_spectra",
            "statistics + norms + WeightWatcher spectra (alpha, log norms, stable rank, ...)",
            n -> isStatistic(n) || isNorm(n) || FeatureLayout.isSpectralFeature(n) || isGlobal(n));
    public static final FeatureSet STATISTICS_CURVE = new FeatureSet("statistics_curve",
            "statistics + reported learning curve (this epoch's train/val loss and accuracy + curve history features)",
            n -> isStatistic(n) || isGlobal(n) || isMetric(n) || isCurve(n));
    public static final FeatureSet CURVE_ONLY = new FeatureSet("curve_only",
            "reported learning curve alone (no weights): this epoch's metrics + curve history features + step",
            n -> isGlobal(n) || isMetric(n) || isCurve(n));
    public static final FeatureSet WEIGHTS_ONLY = new FeatureSet("weights_only",
            "every weight feature (statistics, norms, dead units, max bias, spectra) + step; no reported metric",
            FeatureLayout::isWeightFeature);
    public static final FeatureSet WEIGHTS_CURVE = new FeatureSet("weights_curve",
            "weights + reported learning curve: everything but the declared hyper-parameters", n -> !isHyperparameter(n));
    public static final FeatureSet ALL = new FeatureSet("all", "everything: weights + reported learning curve + declared hyper-parameters",
            n -> true);

    public static List<FeatureSet> standard() {
        return List.of(STATISTICS, STATISTICS_NORMS, STATISTICS_NORMS_SPECTRA, STATISTICS_CURVE, CURVE_ONLY, WEIGHTS_ONLY,
                WEIGHTS_CURVE, ALL);
    }

    /** This set without the columns that merely describe the architecture (for transfer across zoos). */
    public FeatureSet architectureAgnostic() {
        return new FeatureSet(name + "_agnostic", description + "; without layer_count, param_count",
                n -> includes.test(n) && !ARCHITECTURE.contains(n));
    }

    /** Indices into {@link FeatureLayout#names()}. */
    public int[] columns() {
        List<String> names = FeatureLayout.names();
        return IntStream.range(0, names.size()).filter(i -> includes.test(names.get(i))).toArray();
    }

    public List<String> columnNames() {
        List<String> names = FeatureLayout.names();
        return IntStream.of(columns()).mapToObj(names::get).toList();
    }

    public static boolean isStatistic(String n) {
        return (n.startsWith("kernel_") || n.startsWith("bias_")) && STATS.contains(part(n));
    }

    static boolean isNorm(String n) {
        return (n.startsWith("kernel_") || n.startsWith("bias_")) && NORMS.contains(part(n));
    }

    static boolean isGlobal(String n) {
        return FeatureLayout.GLOBAL_FEATURES.contains(n);
    }

    static boolean isMetric(String n) {
        return !FeatureLayout.isWeightFeature(n) && !isHyperparameter(n);
    }

    static boolean isHyperparameter(String n) {
        return HyperparameterFeatures.isHyperparameterFeature(n);
    }

    static boolean isCurve(String n) {
        return n.startsWith("curve_");
    }

    /** "kernel_p25_mean" → "p25". */
    private static String part(String n) {
        String[] p = n.split("_");
        return p.length >= 3 ? p[1] : "";
    }
}
