package io.weightcast.core.spectral;

/** The native eigen-solver returned a spectrum that cannot belong to the matrix (see {@link NativeBlas}). */
public final class InconsistentSpectrumException extends IllegalStateException {
    public InconsistentSpectrumException(String message) {
        super(message);
    }
}
