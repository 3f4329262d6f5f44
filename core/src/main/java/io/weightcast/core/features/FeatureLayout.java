package io.weightcast.core.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The fixed-size, architecture-agnostic feature vector (design §5): each per-layer feature
 * aggregated as first layer, last layer, mean, min and max over layers; then global features and
 * the metrics the loop reported (NaN, which LightGBM treats as missing, when absent).
 * A change of names or order is a new {@link #VERSION}: models record the version they were fit on.
 */
public final class FeatureLayout {
    public static final int VERSION = 1;

    public static final List<String> LAYER_FEATURES = List.of(
            "kernel_mean", "kernel_std", "kernel_p0", "kernel_p25", "kernel_p50", "kernel_p75", "kernel_p100",
            "kernel_l1", "kernel_l2",
            "bias_mean", "bias_std", "bias_p0", "bias_p25", "bias_p50", "bias_p75", "bias_p100",
            "bias_l1", "bias_l2",
            "dead_fraction", "max_bias");
    public static final List<String> AGGREGATES = List.of("first", "last", "mean", "min", "max");
    public static final List<String> GLOBAL_FEATURES = List.of(
            "layer_count", "param_count", "step", "planned_steps", "step_fraction");
    /** Metrics a training loop may report with a checkpoint (metadata {@code metrics}). */
    public static final List<String> METRIC_FEATURES = List.of("train_loss", "train_acc", "val_loss", "val_acc");

    private static final List<String> NAMES = buildNames();

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

    /** Names of the features that do not use reported metrics (the "weights alone" subset). */
    public static boolean isWeightFeature(String name) {
        return METRIC_FEATURES.stream().noneMatch(m -> name.equals("metric_" + m));
    }

    private static List<String> buildNames() {
        List<String> names = new ArrayList<>();
        for (String f : LAYER_FEATURES) {
            for (String agg : AGGREGATES) {
                names.add(f + "_" + agg);
            }
        }
        names.addAll(GLOBAL_FEATURES);
        METRIC_FEATURES.forEach(m -> names.add("metric_" + m));
        return List.copyOf(names);
    }

    /**
     * Flattens a checkpoint's features into the vector.
     *
     * @param plannedSteps null when unknown
     * @param metrics      reported metrics, or null
     */
    public static double[] vector(CheckpointFeatures f, long step, Integer plannedSteps, Map<String, Double> metrics) {
        double[] v = new double[NAMES.size()];
        int i = 0;
        List<LayerFeatures> layers = f.layers();
        for (String feature : LAYER_FEATURES) {
            ToDoubleFunction<LayerFeatures> get = l -> l.get(feature);
            v[i++] = layers.isEmpty() ? Double.NaN : get.applyAsDouble(layers.get(0));
            v[i++] = layers.isEmpty() ? Double.NaN : get.applyAsDouble(layers.get(layers.size() - 1));
            v[i++] = aggregate(layers, get, Agg.MEAN);
            v[i++] = aggregate(layers, get, Agg.MIN);
            v[i++] = aggregate(layers, get, Agg.MAX);
        }
        v[i++] = layers.size();
        v[i++] = f.parameters();
        v[i++] = step;
        v[i++] = plannedSteps == null ? Double.NaN : plannedSteps;
        v[i++] = plannedSteps == null || plannedSteps <= 0 ? Double.NaN : (double) step / plannedSteps;
        for (String m : METRIC_FEATURES) {
            Double value = metrics == null ? null : metrics.get(m);
            v[i++] = value == null ? Double.NaN : value;
        }
        return v;
    }

    private enum Agg { MEAN, MIN, MAX }

    /** Aggregates over the layers where the feature is defined (finite); NaN when none is. */
    private static double aggregate(List<LayerFeatures> layers, ToDoubleFunction<LayerFeatures> get, Agg agg) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = 0;
        for (LayerFeatures l : layers) {
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
