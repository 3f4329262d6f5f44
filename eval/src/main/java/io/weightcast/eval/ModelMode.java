package io.weightcast.eval;

/** One LightGBM model over all epochs (the step columns tell them apart), or one model per epoch. */
public enum ModelMode {
    POOLED, PER_EPOCH;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
