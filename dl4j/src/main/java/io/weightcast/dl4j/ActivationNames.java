package io.weightcast.dl4j;

import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.activations.IActivation;

/**
 * The checkpoint metadata name of a DL4J activation function, spelled like PyTorch clients spell it
 * ({@code relu}, {@code tanh}, {@code gelu}...), because the feature math keys dead-unit analysis on it.
 */
public final class ActivationNames {
    // Names whose DL4J class suffix differs from the usual spelling; the rest is the lower-cased suffix.
    private static final Map<String, String> RENAMED = Map.of(
            "lrelu", "leaky_relu",
            "thresholdedrelu", "thresholded_relu");

    private ActivationNames() {
    }

    /** {@code ActivationReLU} → {@code relu}, {@code ActivationTanH} → {@code tanh}; null stays null. */
    public static String of(IActivation activation) {
        if (activation == null) {
            return null;
        }
        String simple = activation.getClass().getSimpleName();
        String suffix = simple.startsWith("Activation") ? simple.substring("Activation".length()) : simple;
        String name = suffix.toLowerCase(Locale.ROOT);
        return RENAMED.getOrDefault(name, name);
    }
}
