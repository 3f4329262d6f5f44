package io.weightcast.trainer;

/** What a fit depends on besides the data: the split and LightGBM's randomness and effort. */
public record FitParams(double holdoutFraction, int seed, int numThreads, int numIterations) {

    public static FitParams defaults() {
        return new FitParams(0.25, 42, 1, 200);
    }
}
