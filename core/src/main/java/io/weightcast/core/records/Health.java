package io.weightcast.core.records;

import java.util.List;
import java.util.Map;

/**
 * Weight-health facts of one checkpoint that policies act on directly.
 *
 * @param nonfiniteValues  count of NaN/Inf elements over all tensors
 * @param nonfiniteTensors names of tensors holding any
 * @param deadFractions    per layer, fraction of dead units (ReLU nets only): the larger of the weight
 *                         criterion (dead for every non-negative input) and the fraction the loop
 *                         measured on data, when it reported one ({@code dead_fraction/<layer>})
 * @param spectra          per layer, its spectral facts, in layer order; null when the spectra were
 *                         not computed with the features (disabled, or deferred to the spectra topic
 *                         because the checkpoint is large)
 */
public record Health(long nonfiniteValues, List<String> nonfiniteTensors, Map<String, Double> deadFractions,
                     Map<String, LayerSpectralHealth> spectra) {

    public Health(long nonfiniteValues, List<String> nonfiniteTensors, Map<String, Double> deadFractions) {
        this(nonfiniteValues, nonfiniteTensors, deadFractions, null);
    }

    public double maxDeadFraction() {
        return deadFractions == null ? 0.0
                : deadFractions.values().stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(0.0);
    }
}
