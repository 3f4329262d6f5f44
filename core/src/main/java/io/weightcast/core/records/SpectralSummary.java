package io.weightcast.core.records;

import java.util.Map;

/**
 * A value of the {@code spectra} topic: the spectra of one checkpoint that was too large to get them
 * on the features path (design §5; the streams service's deferred spectral worker). Keyed by run id.
 *
 * @param layoutVersion the {@code FeatureLayout} version whose spectral section {@code values} fills
 * @param values        the spectral section of the feature vector ({@code FeatureLayout.spectralNames()} order)
 * @param layers        per layer, its spectral facts, in layer order
 * @param seconds       time spent computing them
 */
public record SpectralSummary(
        String runId,
        long step,
        Integer plannedSteps,
        String study,
        int layoutVersion,
        double[] values,
        Map<String, LayerSpectralHealth> layers,
        double seconds,
        long checkpointTimestamp,
        long computedAt) {
}
