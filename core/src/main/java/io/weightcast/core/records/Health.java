package io.weightcast.core.records;

import java.util.List;
import java.util.Map;

/**
 * Weight-health facts of one checkpoint that policies act on directly.
 *
 * @param nonfiniteValues       count of NaN/Inf elements over all tensors
 * @param nonfiniteTensors      names of tensors holding any
 * @param deadFractions         per layer, fraction of dead units (ReLU nets only): the larger of the weight
 *                              criterion (dead for every non-negative input) and the fraction the loop
 *                              measured on data, when it reported one ({@code dead_fraction/<layer>})
 * @param spectra               per layer, its spectral facts, in layer order; null when the spectra were
 *                              not computed with the features (disabled, or deferred to the spectra topic
 *                              because the checkpoint is large)
 * @param measuredDeadFractions per layer, only what the loop measured on data and reported for this step,
 *                              in the checkpoint's metrics or in a {@code metrics} run event; null when it
 *                              reported none. The dying-ReLU classifier's labels: {@code deadFractions}
 *                              cannot tell a measurement from the weight criterion
 */
public record Health(long nonfiniteValues, List<String> nonfiniteTensors, Map<String, Double> deadFractions,
                     Map<String, LayerSpectralHealth> spectra, Map<String, Double> measuredDeadFractions) {

    public Health(long nonfiniteValues, List<String> nonfiniteTensors, Map<String, Double> deadFractions,
                  Map<String, LayerSpectralHealth> spectra) {
        this(nonfiniteValues, nonfiniteTensors, deadFractions, spectra, null);
    }

    public Health(long nonfiniteValues, List<String> nonfiniteTensors, Map<String, Double> deadFractions) {
        this(nonfiniteValues, nonfiniteTensors, deadFractions, null, null);
    }

    public double maxDeadFraction() {
        return deadFractions == null ? 0.0
                : deadFractions.values().stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(0.0);
    }
}
