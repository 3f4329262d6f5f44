package io.weightcast.core.ssl;

import java.util.List;

/**
 * Per-layer standardisation of token values, fitted on the training checkpoints: layers differ in
 * scale by orders of magnitude (a 9-weight first conv vs. a 145-weight one), and an encoder fed
 * raw weights would only ever see the largest layer. Kept with the encoder so inference scales
 * exactly as training did.
 */
public record TokenNormalizer(double[] mean, double[] std) {

    public static TokenNormalizer fit(List<WeightTokens> checkpoints) {
        int layers = checkpoints.get(0).layers().length;
        double[] mean = new double[layers];
        double[] std = new double[layers];
        for (int l = 0; l < layers; l++) {
            double sum = 0;
            double sq = 0;
            long n = 0;
            for (WeightTokens t : checkpoints) {
                for (float v : t.layers()[l]) {
                    sum += v;
                    sq += (double) v * v;
                    n++;
                }
            }
            mean[l] = sum / n;
            std[l] = Math.max(1e-8, Math.sqrt(Math.max(0, sq / n - mean[l] * mean[l])));
        }
        return new TokenNormalizer(mean, std);
    }

    public float apply(int layer, float value) {
        return (float) ((value - mean[layer]) / std[layer]);
    }

    public float invert(int layer, float value) {
        return (float) (value * std[layer] + mean[layer]);
    }
}
