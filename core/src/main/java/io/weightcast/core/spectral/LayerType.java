package io.weightcast.core.spectral;

import com.fasterxml.jackson.annotation.JsonValue;

/** WeightWatcher's {@code layer_type} for the kernels it analyses by default. */
public enum LayerType {
    DENSE("dense"), CONV2D("conv2d");

    private final String json;

    LayerType(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }
}
