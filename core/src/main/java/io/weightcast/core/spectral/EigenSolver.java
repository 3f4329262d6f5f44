package io.weightcast.core.spectral;

/**
 * The eigenvalues of WᵀW (the squared singular values of W) for one matrix, ascending, in float64.
 *
 * <p>{@link #gram()} is the default. Measured against WeightWatcher's eigenvalues (its
 * {@code scipy.linalg.svd} of the same float32 matrices, all 4,869 of {@code ../shared/data/ww}'s
 * weight files): gram ≤ 5.4e-12 relative for λ > 1e-5 and ≤ 1.4e-16·λmax absolute below; svd
 * ≤ 2.9e-14 and ≤ 1.2e-18·λmax. A whole ResNet-50 on one thread: gram 1.9–2.3 s, svd 4.8–5.6 s.
 * See {@link GramEigenSolver} for the reasoning.
 */
public interface EigenSolver {

    /**
     * @param colMajor the matrix, column-major, {@code rows × cols}; not modified
     * @return the min(rows, cols) eigenvalues of the smaller Gram matrix, ascending, all ≥ 0
     */
    double[] eigenvalues(double[] colMajor, int rows, int cols);

    /**
     * Slice {@code s} of a layer already in native memory; by default through {@link #eigenvalues(double[], int, int)}
     * on a Java copy, which a native solver avoids.
     */
    default double[] eigenvalues(NativeSlices slices, int s) {
        return eigenvalues(slices.toArray(s), slices.rows(), slices.cols());
    }

    /** Symmetric eigen-solver (LAPACK dsyev) on the smaller Gram matrix, exact SVD where rank is in doubt. */
    static EigenSolver gram() {
        return GramEigenSolver.INSTANCE;
    }

    /** LAPACK dgesvd on W itself (what WeightWatcher does), through OpenBLAS's LAPACKE. */
    static EigenSolver svd() {
        return SvdEigenSolver.INSTANCE;
    }

    /** Σ a², the trace every spectrum of this matrix must add up to. */
    static double frobeniusSquared(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return s;
    }

    /**
     * Rejects a spectrum that cannot be the matrix's: Σλ must equal ‖W‖²_F (to 1e-8; rounding gives
     * ~1e-14) and no eigenvalue may be negative beyond {@code negativeTolerance}. Catches broken native
     * kernels (see {@link NativeBlas}) before they reach a published metric.
     */
    static void checkTrace(double[] evals, double frobeniusSquared, double negativeTolerance, String solver, int rows, int cols) {
        double sum = 0;
        for (double v : evals) {
            if (Double.isNaN(v) || v < -negativeTolerance) {
                throw inconsistent(solver, rows, cols, "eigenvalue " + v);
            }
            sum += v;
        }
        if (!(Math.abs(sum - frobeniusSquared) <= 1e-8 * frobeniusSquared)) {
            throw inconsistent(solver, rows, cols, "Σλ = " + sum + " but ‖W‖²_F = " + frobeniusSquared);
        }
    }

    private static InconsistentSpectrumException inconsistent(String solver, int rows, int cols, String what) {
        return new InconsistentSpectrumException(solver + " returned an impossible spectrum for a " + rows + "×" + cols
                + " matrix (" + what + "). The native BLAS computes wrong results on this CPU: on AVX-512 hosts "
                + "run with the environment variable OPENBLAS_CORETYPE=Haswell");
    }
}
