package io.weightcast.core.ssl;

/**
 * How one weight layer becomes tokens: {@code units} tokens (one per neuron / conv output channel),
 * each holding the unit's {@code fanIn} incoming weights followed by its bias ({@code width = fanIn + 1},
 * or {@code fanIn} without a bias). {@code inputGroups} is the number of input channels the fan-in
 * is grouped by (conv: in-channels × kh·kw, laid out channel-major as PyTorch does; a dense layer
 * after global pooling: one weight per input unit), which is what a neuron permutation of the
 * previous layer must reorder.
 */
public record LayerShape(String name, String kernelName, long[] kernelShape, String biasName,
                         int units, int fanIn, int inputGroups) {

    public int width() {
        return fanIn + (hasBias() ? 1 : 0);
    }

    public boolean hasBias() {
        return biasName != null;
    }

    /** Weights per input channel (conv: kh·kw; dense: 1, or H·W after a flatten). */
    public int groupSize() {
        return fanIn / inputGroups;
    }

    String describe() {
        return name + ":" + units + "x" + width();
    }
}
