package io.weightcast.trainer;

/**
 * What a fit depends on besides the data: the split and LightGBM's randomness and effort.
 *
 * @param ablateSpectra also fit without the spectral features, on the same split, and report what
 *                      they are worth ({@link FitResult#ablations()}); doubles the fit time. Off in
 *                      {@link #defaults()} (tests); on in the service ({@code trainer.ablation.spectra})
 */
public record FitParams(double holdoutFraction, int seed, int numThreads, int numIterations, boolean ablateSpectra) {

    public FitParams(double holdoutFraction, int seed, int numThreads, int numIterations) {
        this(holdoutFraction, seed, numThreads, numIterations, false);
    }

    public static FitParams defaults() {
        return new FitParams(0.25, 42, 1, 200, false);
    }
}
