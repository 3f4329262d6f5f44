package io.weightcast.core.features;

import io.weightcast.core.records.LayerSpectralHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The fixed-size, architecture-agnostic feature vector (design §5): each per-layer feature
 * aggregated as first layer, last layer, mean, min and max over layers; then the spectral features
 * aggregated the same way; then global features, the metrics the loop reported with this checkpoint
 * and the {@link LearningCurveFeatures} of its reported history up to here (NaN, which LightGBM
 * treats as missing, when absent).
 * A change of names or order is a new {@link #VERSION}: models record the version they were fit on.
 *
 * <p>Version 2 added the spectral section. It is NaN where no spectrum exists (a layer skipped by
 * WeightWatcher's rules, spectra disabled) or where the spectra are computed later, off the features
 * path ({@link #spectralNames()} is then filled from the {@code spectra} topic by whoever joins it).
 *
 * <p>Version 3 added the learning-curve section ({@link LearningCurveFeatures#NAMES}, last): the
 * streams service keeps each run's reported metrics per step and passes the earlier steps in; a lone
 * file (e.g. {@code weightcast analyze}) has no history, and its section is what its own metrics say.
 *
 * <p>Version 4 added the hyper-parameter section ({@link HyperparameterFeatures#NAMES}, last): from
 * the checkpoint's {@code hparams} metadata ({@link #withHyperparameters}); NaN where absent.
 */
public final class FeatureLayout {
    public static final int VERSION = 4;

    public static final List<String> LAYER_FEATURES = List.of(
            "kernel_mean", "kernel_std", "kernel_p0", "kernel_p25", "kernel_p50", "kernel_p75", "kernel_p100",
            "kernel_l1", "kernel_l2",
            "bias_mean", "bias_std", "bias_p0", "bias_p25", "bias_p50", "bias_p75", "bias_p100",
            "bias_l1", "bias_l2",
            "dead_fraction", "max_bias");
    /** Per-layer spectral features (WeightWatcher's names; {@code ks_distance} is its {@code D}). */
    public static final List<String> SPECTRAL_FEATURES = List.of(
            "alpha", "alpha_weighted", "log_norm", "log_spectral_norm", "log_alpha_norm", "stable_rank",
            "rank_loss", "ks_distance");
    public static final List<String> AGGREGATES = List.of("first", "last", "mean", "min", "max");
    public static final List<String> GLOBAL_FEATURES = List.of(
            "layer_count", "param_count", "step", "planned_steps", "step_fraction");
    /** Metrics a training loop may report with a checkpoint (metadata {@code metrics}). */
    public static final List<String> METRIC_FEATURES = List.of("train_loss", "train_acc", "val_loss", "val_acc");

    private static final List<String> NAMES = buildNames();
    private static final List<String> SPECTRAL_NAMES = NAMES.stream().filter(FeatureLayout::isSpectralFeature).toList();
    private static final int SPECTRAL_OFFSET = NAMES.indexOf(SPECTRAL_NAMES.get(0));
    private static final int METRIC_OFFSET = NAMES.indexOf("metric_" + METRIC_FEATURES.get(0));
    private static final int CURVE_OFFSET = NAMES.indexOf(LearningCurveFeatures.NAMES.get(0));
    private static final int HYPERPARAMETER_OFFSET = NAMES.indexOf(HyperparameterFeatures.NAMES.get(0));

    private FeatureLayout() {
    }

    public static List<String> names() {
        return NAMES;
    }

    public static int size() {
        return NAMES.size();
    }

    public static int indexOf(String name) {
        return NAMES.indexOf(name);
    }

    /** Names of the features that use neither reported metrics nor declared hyper-parameters (the "weights alone" subset). */
    public static boolean isWeightFeature(String name) {
        return METRIC_FEATURES.stream().noneMatch(m -> name.equals("metric_" + m)) && !LearningCurveFeatures.NAMES.contains(name)
                && !HyperparameterFeatures.isHyperparameterFeature(name);
    }

    /** Names of the spectral section, in vector order (a contiguous block). */
    public static List<String> spectralNames() {
        return SPECTRAL_NAMES;
    }

    public static boolean isSpectralFeature(String name) {
        return SPECTRAL_FEATURES.stream().anyMatch(f -> AGGREGATES.stream().anyMatch(a -> name.equals(f + "_" + a)));
    }

    /** A copy of {@code vector} whose spectral section is {@code spectral} ({@link #spectralNames()} order). */
    public static double[] withSpectra(double[] vector, double[] spectral) {
        if (vector.length != NAMES.size() || spectral.length != SPECTRAL_NAMES.size()) {
            throw new IllegalArgumentException("expected a vector of " + NAMES.size() + " and a spectral section of "
                    + SPECTRAL_NAMES.size() + ", got " + vector.length + " and " + spectral.length);
        }
        double[] out = vector.clone();
        System.arraycopy(spectral, 0, out, SPECTRAL_OFFSET, spectral.length);
        return out;
    }

    /** The spectral section of a checkpoint's vector from its per-layer spectra (in layer order). */
    public static double[] spectralSection(Map<String, LayerSpectralHealth> spectra) {
        List<Map<String, Double>> layers = spectra == null ? List.of()
                : spectra.values().stream().map(FeatureLayout::spectralValues).toList();
        double[] v = new double[SPECTRAL_NAMES.size()];
        int i = 0;
        for (String feature : SPECTRAL_FEATURES) {
            i = aggregateInto(v, i, layers, l -> l.getOrDefault(feature, Double.NaN));
        }
        return v;
    }

    private static Map<String, Double> spectralValues(LayerSpectralHealth h) {
        Map<String, Double> v = new java.util.HashMap<>();
        put(v, "alpha", h.alpha());
        put(v, "alpha_weighted", h.alphaWeighted());
        put(v, "log_norm", h.logNorm());
        put(v, "log_spectral_norm", h.logSpectralNorm());
        put(v, "log_alpha_norm", h.logAlphaNorm());
        put(v, "stable_rank", h.stableRank());
        put(v, "rank_loss", h.rankLoss() == null ? null : h.rankLoss().doubleValue());
        put(v, "ks_distance", h.d());
        return v;
    }

    private static void put(Map<String, Double> v, String name, Double value) {
        if (value != null) {
            v.put(name, value);
        }
    }

    private static List<String> buildNames() {
        List<String> names = new ArrayList<>();
        for (String f : LAYER_FEATURES) {
            for (String agg : AGGREGATES) {
                names.add(f + "_" + agg);
            }
        }
        for (String f : SPECTRAL_FEATURES) {
            for (String agg : AGGREGATES) {
                names.add(f + "_" + agg);
            }
        }
        names.addAll(GLOBAL_FEATURES);
        METRIC_FEATURES.forEach(m -> names.add("metric_" + m));
        names.addAll(LearningCurveFeatures.NAMES);
        names.addAll(HyperparameterFeatures.NAMES);
        return List.copyOf(names);
    }

    /**
     * Flattens a checkpoint's features into the vector.
     *
     * @param plannedSteps null when unknown
     * @param metrics      reported metrics, or null
     */
    public static double[] vector(CheckpointFeatures f, long step, Integer plannedSteps, Map<String, Double> metrics) {
        return vector(f, null, step, plannedSteps, metrics);
    }

    /** Without a reported history: the curve section from this checkpoint's own metrics. */
    public static double[] vector(CheckpointFeatures f, Map<String, LayerSpectralHealth> spectra, long step,
                                  Integer plannedSteps, Map<String, Double> metrics) {
        return vector(f, spectra, step, plannedSteps, metrics, List.of());
    }

    /**
     * @param spectra per-layer spectra in layer order, or null when not computed here (NaN section)
     * @param earlier the run's reported metrics at its earlier steps, oldest first (empty when unknown)
     */
    public static double[] vector(CheckpointFeatures f, Map<String, LayerSpectralHealth> spectra, long step,
                                  Integer plannedSteps, Map<String, Double> metrics, List<Map<String, Double>> earlier) {
        double[] v = new double[NAMES.size()];
        int i = 0;
        List<LayerFeatures> layers = f.layers();
        for (String feature : LAYER_FEATURES) {
            i = aggregateInto(v, i, layers, l -> l.get(feature));
        }
        double[] spectral = spectralSection(spectra);
        System.arraycopy(spectral, 0, v, i, spectral.length);
        i += spectral.length;
        v[i++] = layers.size();
        v[i++] = f.parameters();
        v[i++] = step;
        v[i++] = plannedSteps == null ? Double.NaN : plannedSteps;
        v[i] = plannedSteps == null || plannedSteps <= 0 ? Double.NaN : (double) step / plannedSteps;
        writeMetrics(v, metrics, earlier);
        java.util.Arrays.fill(v, HYPERPARAMETER_OFFSET, v.length, Double.NaN); // hyper-parameters: withHyperparameters
        return v;
    }

    /**
     * A copy of {@code vector} whose reported-metrics and learning-curve sections say what the run reported at this
     * step ({@code metrics}) after its earlier steps: what {@link #vector} would have written had the metrics been
     * there then (a checkpoint whose metrics arrive after it, in a {@code metrics} run event).
     */
    public static double[] withMetrics(double[] vector, Map<String, Double> metrics, List<Map<String, Double>> earlier) {
        if (vector.length != NAMES.size()) {
            throw new IllegalArgumentException("expected a vector of " + NAMES.size() + ", got " + vector.length);
        }
        double[] out = vector.clone();
        writeMetrics(out, metrics, earlier);
        return out;
    }

    private static void writeMetrics(double[] v, Map<String, Double> metrics, List<Map<String, Double>> earlier) {
        int i = METRIC_OFFSET;
        for (String m : METRIC_FEATURES) {
            Double value = metrics == null ? null : metrics.get(m);
            v[i++] = value == null ? Double.NaN : value;
        }
        double[] curve = LearningCurveFeatures.of(history(earlier, metrics));
        System.arraycopy(curve, 0, v, CURVE_OFFSET, curve.length);
    }

    /** A copy of {@code vector} whose hyper-parameter section says {@code hparams} (null: NaN; see {@link HyperparameterFeatures#of}). */
    public static double[] withHyperparameters(double[] vector, Map<String, ?> hparams, String activation) {
        if (vector.length != NAMES.size()) {
            throw new IllegalArgumentException("expected a vector of " + NAMES.size() + ", got " + vector.length);
        }
        double[] out = vector.clone();
        double[] hp = HyperparameterFeatures.of(hparams, activation);
        System.arraycopy(hp, 0, out, HYPERPARAMETER_OFFSET, hp.length);
        return out;
    }

    /** A copy of {@code vector} whose learning-curve section is computed from {@code history} (oldest first, this checkpoint last). */
    public static double[] withCurve(double[] vector, List<Map<String, Double>> history) {
        if (vector.length != NAMES.size()) {
            throw new IllegalArgumentException("expected a vector of " + NAMES.size() + ", got " + vector.length);
        }
        double[] out = vector.clone();
        double[] curve = LearningCurveFeatures.of(history);
        System.arraycopy(curve, 0, out, CURVE_OFFSET, curve.length);
        return out;
    }

    private static List<Map<String, Double>> history(List<Map<String, Double>> earlier, Map<String, Double> current) {
        List<Map<String, Double>> history = new ArrayList<>(earlier == null ? List.of() : earlier);
        history.add(current);
        return history;
    }

    /** Writes first, last, mean, min, max of {@code get} over {@code layers} at {@code v[i..]}; returns the next index. */
    private static <T> int aggregateInto(double[] v, int i, List<T> layers, ToDoubleFunction<T> get) {
        v[i++] = layers.isEmpty() ? Double.NaN : get.applyAsDouble(layers.get(0));
        v[i++] = layers.isEmpty() ? Double.NaN : get.applyAsDouble(layers.get(layers.size() - 1));
        v[i++] = aggregate(layers, get, Agg.MEAN);
        v[i++] = aggregate(layers, get, Agg.MIN);
        v[i++] = aggregate(layers, get, Agg.MAX);
        return i;
    }

    private enum Agg { MEAN, MIN, MAX }

    /** Aggregates over the layers where the feature is defined (finite); NaN when none is. */
    private static <T> double aggregate(List<T> layers, ToDoubleFunction<T> get, Agg agg) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = 0;
        for (T l : layers) {
            double x = get.applyAsDouble(l);
            if (Double.isFinite(x)) {
                sum += x;
                min = Math.min(min, x);
                max = Math.max(max, x);
                n++;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        return switch (agg) {
            case MEAN -> sum / n;
            case MIN -> min;
            case MAX -> max;
        };
    }
}
