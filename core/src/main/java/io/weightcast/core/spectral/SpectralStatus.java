package io.weightcast.core.spectral;

import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a layer got a spectrum and a power-law fit; anything but SUCCESS comes with a reason. */
public enum SpectralStatus {
    /** Spectrum and fit computed. */
    SUCCESS("success"),
    /** Not analysed, as WeightWatcher would not (too few or too many eigenvalues, N too large, not Linear/Conv2d). */
    SKIPPED("skipped"),
    /** Analysed, but no power law can be fitted (fewer than 2 eigenvalues above the threshold, non-finite weights). */
    NO_FIT("no_fit");

    private final String json;

    SpectralStatus(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }
}
