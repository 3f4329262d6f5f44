package io.weightcast.eval;

import java.util.Arrays;

/**
 * How to fit a feature set's predictor: the configuration, the mode and the number of trees
 * (pooled: {@code iterations[0]}; per epoch: {@code iterations[e - 1]}), chosen by CV on training runs.
 *
 * @param cvMse pooled validation MSE of the chosen fit in CV (all epochs weighted equally)
 */
public record TunedModel(GbmParams params, ModelMode mode, int[] iterations, double cvMse) {

    public int iterations(int epoch) {
        return mode == ModelMode.POOLED ? iterations[0] : iterations[epoch - 1];
    }

    @Override
    public String toString() {
        return mode.key() + " " + params.toMap() + " iterations " + Arrays.toString(iterations);
    }
}
