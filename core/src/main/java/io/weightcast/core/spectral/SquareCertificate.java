package io.weightcast.core.spectral;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUnit;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgetrf_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlacpy_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlantr_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dtrtri_work;
import static org.bytedeco.openblas.global.openblas.cblas_dnrm2;
import static org.bytedeco.openblas.global.openblas.cblas_dtrmv;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The smallest singular value of a square matrix W, certified clear of WeightWatcher's rank tolerance, from one LU
 * factorisation (2/3·n³ flops) and the inverses of its triangular factors (2/3·n³): what {@link GramEigenSolver} uses
 * when its Gram matrix cannot tell the smallest eigenvalue from 0, instead of dgesvd (~8/3·n³ plus the bidiagonal
 * SVD). On a random 4096² matrix at one thread: dgetrf 0.9 s, both dtrtri 1.7 s, against 23–40 s of dgesvd.
 *
 * <p><b>The certificate (a rigorous lower bound, then a large margin).</b> dgetrf computes P·W = L̂Û + ΔW with
 * |ΔW| ≤ γₙ|L̂||Û| (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, Thm 9.3; γₙ = nu/(1−nu), u = ε/2), so
 * ‖ΔW‖₂ ≤ γₙ‖L̂‖_F‖Û‖_F. dtrtri's computed inverse X of a triangular T satisfies XT = I + F with
 * ‖F‖ ≤ γ₂ₙ‖X‖_F‖T‖_F (a generous form of Higham §14.2's componentwise bounds), so ‖T⁻¹‖₂ ≤ ‖X‖_F / (1 − ‖F‖). Then
 * σmin(W) ≥ 1 / (‖L̂⁻¹‖₂‖Û⁻¹‖₂) − ‖ΔW‖₂ =: ℓ. Frobenius norms overestimate the 2-norms, so ℓ is loose (measured:
 * 1/170 of σmin on a random 4096² matrix, 1/83 at 512²), which is why the test has a margin: the matrix counts as
 * full rank only when ℓ > {@link #MARGIN}·σmax·n·ε, a thousand times WeightWatcher's tolerance (numpy's
 * {@code matrix_rank}: σ ≤ σmax·n·ε). The margin also covers the pooled σmax of a conv layer's slices (its
 * {@code matrix_rank} uses the layer's largest σ), and the constants of the bounds. A random 4096² matrix passes
 * with ℓ ≈ 1e5 times the tolerance; a matrix with duplicated or zero units cannot (ℓ ≤ σmin = 0) and neither can a
 * full-rank one with condition number above ~1e9/170, and those go to the exact SVD.
 *
 * <p><b>The value.</b> σmin itself (svMin, and the smallest eigenvalue σmin²) comes from power iteration on
 * (WᵀW)⁻¹ = Û⁻¹L̂⁻¹P·(Û⁻¹L̂⁻¹P)ᵀ with the inverses already computed (four triangular products an iteration): it is
 * relatively accurate (backward-stable factors), unlike the Gram matrix's smallest eigenvalue, whose error is
 * absolute (~ε·λmax). It stops when the Rayleigh quotient changes by ≤ 1e-10 relative; when it has not after
 * {@link #MAX_ITERATIONS} (the two smallest singular values nearly equal), or lands below ℓ, the caller takes the
 * exact path.
 */
final class SquareCertificate {
    /** The certified lower bound must exceed this many times σmax·n·ε. */
    static final double MARGIN = 1e3;
    static final int MAX_ITERATIONS = 80;
    private static final double EPS = Math.ulp(1.0);
    private static final double U = EPS / 2;
    private static final double CONVERGED = 1e-10;

    private SquareCertificate() {
    }

    /** Native scratch: two n×n matrices, a vector, the pivots. */
    record Scratch(DoublePointer lu, DoublePointer xl, DoublePointer vector, IntPointer pivots) {
    }

    /**
     * σmin of the n×n column-major matrix {@code a} (not modified), or NaN when it is not certified above
     * {@link #MARGIN}·σmax·n·ε or the power iteration does not settle.
     *
     * @param sigmaMax the largest singular value (from the Gram eigenvalues: relatively accurate)
     */
    static double sigmaMin(DoublePointer a, int n, double sigmaMax, Scratch s) {
        double lower = lowerBound(a, n, s);
        if (!(lower > MARGIN * sigmaMax * n * EPS)) {
            return Double.NaN;
        }
        double sigma = powerIteration(n, s);
        return sigma >= lower * (1 - 1e-9) ? sigma : Double.NaN;
    }

    /** The certified ℓ ≤ σmin(W) (0 or NaN when W's factors are singular); leaves Û⁻¹ in lu's upper and L̂⁻¹ in xl's lower triangle. */
    static double lowerBound(DoublePointer a, int n, Scratch s) {
        DoublePointer lu = s.lu();
        DoublePointer xl = s.xl();
        DoublePointer none = s.vector();
        LAPACKE_dlacpy_work(LAPACK_COL_MAJOR, (byte) 'A', n, n, a, n, lu, n);
        int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, lu, n, s.pivots());
        if (info != 0) {
            return 0; // an exact zero pivot (info > 0): singular
        }
        double normU = LAPACKE_dlantr_work(LAPACK_COL_MAJOR, (byte) 'F', (byte) 'U', (byte) 'N', n, n, lu, n, none);
        double normL = LAPACKE_dlantr_work(LAPACK_COL_MAJOR, (byte) 'F', (byte) 'L', (byte) 'U', n, n, lu, n, none);
        LAPACKE_dlacpy_work(LAPACK_COL_MAJOR, (byte) 'A', n, n, lu, n, xl, n);
        if (LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, (byte) 'U', (byte) 'N', n, lu, n) != 0
                || LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, (byte) 'L', (byte) 'U', n, xl, n) != 0) {
            return 0;
        }
        double invU = LAPACKE_dlantr_work(LAPACK_COL_MAJOR, (byte) 'F', (byte) 'U', (byte) 'N', n, n, lu, n, none);
        double invL = LAPACKE_dlantr_work(LAPACK_COL_MAJOR, (byte) 'F', (byte) 'L', (byte) 'U', n, n, xl, n, none);
        double g2n = gamma(2L * n);
        double residualU = g2n * invU * normU;
        double residualL = g2n * invL * normL;
        if (!(residualU < 0.5 && residualL < 0.5)) {
            return 0;
        }
        double boundU = invU / (1 - residualU);
        double boundL = invL / (1 - residualL);
        return 1 / (boundU * boundL) - gamma(n) * normL * normU;
    }

    private static double gamma(long k) {
        double ku = k * U;
        return ku / (1 - ku);
    }

    /** 1/√ρ for the Rayleigh quotient ρ of (WᵀW)⁻¹ at convergence, or NaN. */
    private static double powerIteration(int n, Scratch s) {
        DoublePointer xu = s.lu();
        DoublePointer xl = s.xl();
        DoublePointer vec = s.vector();
        int[] pivots = new int[n];
        s.pivots().get(pivots);
        double[] v = new double[n];
        java.util.Random random = new java.util.Random(n);
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        normalise(v);
        double previous = Double.NaN;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            // y = W⁻¹v = Û⁻¹ L̂⁻¹ P v
            for (int i = 0; i < n; i++) {
                swap(v, i, pivots[i] - 1);
            }
            vec.position(0).put(v);
            cblas_dtrmv(CblasColMajor, CblasLower, CblasNoTrans, CblasUnit, n, xl, n, vec, 1);
            cblas_dtrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n, xu, n, vec, 1);
            double norm = cblas_dnrm2(n, vec, 1);
            double rho = norm * norm; // vᵀ(WᵀW)⁻¹v, v a unit vector
            // z = W⁻ᵀy = Pᵀ L̂⁻ᵀ Û⁻ᵀ y
            cblas_dtrmv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, n, xu, n, vec, 1);
            cblas_dtrmv(CblasColMajor, CblasLower, CblasTrans, CblasUnit, n, xl, n, vec, 1);
            vec.position(0).get(v);
            for (int i = n - 1; i >= 0; i--) {
                swap(v, i, pivots[i] - 1);
            }
            if (!Double.isFinite(rho) || !normalise(v)) {
                return Double.NaN;
            }
            if (Math.abs(rho - previous) <= CONVERGED * rho) {
                return 1 / Math.sqrt(rho);
            }
            previous = rho;
        }
        return Double.NaN;
    }

    private static void swap(double[] v, int i, int j) {
        double t = v[i];
        v[i] = v[j];
        v[j] = t;
    }

    private static boolean normalise(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double norm = Math.sqrt(s);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return true;
    }
}
