package io.weightcast.core.records;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The spectral facts of one weight layer that travel with a checkpoint's features (a compact subset
 * of {@code io.weightcast.core.spectral.SpectralMetrics}, WeightWatcher's column names). Fields that
 * do not exist for the layer (skipped, no fit) are null.
 *
 * @param status "success", "skipped" or "no_fit"
 */
public record LayerSpectralHealth(
        String status,
        Integer numEvals,
        Integer rankLoss,
        Double alpha,
        Double alphaWeighted,
        Double logNorm,
        Double logSpectralNorm,
        Double logAlphaNorm,
        Double stableRank,
        @JsonProperty("D") Double d) {

    /** WeightWatcher's thresholds: α below is over-trained, above under-trained. */
    public static final double ALPHA_LOW = 2.0;
    public static final double ALPHA_HIGH = 6.0;

    public boolean fitted() {
        return alpha != null && Double.isFinite(alpha);
    }

    /** α within WeightWatcher's healthy band [2, 6]; false when there is no fit. */
    public boolean alphaInBand() {
        return fitted() && alpha >= ALPHA_LOW && alpha <= ALPHA_HIGH;
    }
}
