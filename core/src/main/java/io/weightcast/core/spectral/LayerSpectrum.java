package io.weightcast.core.spectral;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A layer's metrics and the pooled eigenvalues they were computed from (ascending; null when the
 * layer was skipped), e.g. for plotting its ESD with the fitted tail.
 */
public record LayerSpectrum(SpectralMetrics metrics, @JsonIgnore double[] eigenvalues) {

    public String name() {
        return metrics.name();
    }
}
