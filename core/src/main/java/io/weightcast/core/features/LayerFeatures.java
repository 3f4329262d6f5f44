package io.weightcast.core.features;

import java.util.Map;

/**
 * The named per-layer features of one weight layer, in {@link FeatureLayout#LAYER_FEATURES} order.
 * A map so that later feature families (spectra, ...) add names without new record types.
 */
public record LayerFeatures(String name, int index, long parameters, Map<String, Double> values) {

    public double get(String feature) {
        Double v = values.get(feature);
        return v == null ? Double.NaN : v;
    }
}
