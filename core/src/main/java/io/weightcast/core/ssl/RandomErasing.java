package io.weightcast.core.ssl;

import java.util.Random;

/**
 * Random erasing on the flattened weight vector (Schürholt et al.: p = 0.5, scale 0.02–0.33,
 * value 0): with probability {@code probability}, one contiguous stretch covering a uniformly drawn
 * share in [{@code minScale}, {@code maxScale}] of all weights is set to zero.
 */
public record RandomErasing(double probability, double minScale, double maxScale) {

    public static final RandomErasing DEFAULT = new RandomErasing(0.5, 0.02, 0.33);

    public RandomErasing {
        if (probability < 0 || probability > 1 || minScale < 0 || maxScale > 1 || minScale > maxScale) {
            throw new IllegalArgumentException("erasing needs 0 ≤ p ≤ 1 and 0 ≤ min scale ≤ max scale ≤ 1");
        }
    }

    /** Erases in place (callers pass a copy). */
    public void applyInPlace(WeightTokens tokens, Random random) {
        if (random.nextDouble() >= probability) {
            return;
        }
        int total = tokens.signature().parameters();
        int length = (int) Math.round(total * (minScale + random.nextDouble() * (maxScale - minScale)));
        int start = random.nextInt(Math.max(1, total - length + 1));
        int at = 0;
        for (float[] layer : tokens.layers()) {
            int from = Math.max(start, at);
            int to = Math.min(start + length, at + layer.length);
            for (int i = from; i < to; i++) {
                layer[i - at] = 0f;
            }
            at += layer.length;
        }
    }
}
