package io.weightcast.core.features;

import java.util.List;
import java.util.Map;

/**
 * Everything Weightcast computes from one checkpoint's weights, before it is flattened by a {@link FeatureLayout};
 * {@code notes} say what was left out and why (e.g. integer and bool tensors, which are not weights).
 */
public record CheckpointFeatures(
        List<LayerFeatures> layers,
        long parameters,
        long nonfiniteValues,
        List<String> nonfiniteTensors,
        Map<String, Double> deadFractions,
        List<String> notes) {
}
