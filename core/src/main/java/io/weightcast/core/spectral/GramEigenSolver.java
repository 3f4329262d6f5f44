package io.weightcast.core.spectral;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyev_work;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;

import java.util.Arrays;
import java.util.function.Supplier;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Eigenvalues of the smaller Gram matrix G = WᵀW (M×M) with LAPACK's symmetric solver (dsyev,
 * values only), in float64, on ND4J's CPU backend libraries.
 *
 * <p>Why this and not dgesvd on W (what WeightWatcher does): G costs N·M² flops (dsyrk) and its
 * eigenvalues 4/3·M³ (dsytrd + dsterf), against 4·N·M² − 4/3·M³ for gesvd's bidiagonalisation.
 * Measured on ResNet-50's 230 matrices, one thread, whole analysis: 1.9–2.3 s against 4.8–5.6 s
 * with dgesvd. The price is absolute instead of relative accuracy: λ is off by about ε·‖W‖²_F. On
 * WeightWatcher's cases (smallest eigenvalue 2.7e-7·λmax) the eigenvalues above 1e-5, which the fit
 * uses, match its scipy.linalg.svd values to ≤ 5.4e-12 relative, the others to ≤ 1.4e-16·λmax
 * (dgesvd: 2.9e-14 and 1.2e-18·λmax); every metric matches to ≤ 2e-13 (SpectralCasesTest).
 * The one thing G cannot tell is whether an eigenvalue near 0 is 1e-20 or exactly 0, which decides
 * WeightWatcher's {@code rank_loss} (σ ≤ σmax·N·ε). A slice with an eigenvalue below
 * {@code 4·k·ε·‖W‖²_F} (the rounding bound of G) is therefore recomputed exactly with dgesvd
 * ({@link SvdEigenSolver}): random and trained weights essentially never take that path,
 * rank-deficient ones (duplicated or zero units) do.
 *
 * <p>How it calls LAPACK: through the JavaCPP bindings ({@code org.bytedeco.openblas}) of the OpenBLAS
 * that nd4j-native ships and runs on, into per-thread native buffers. ND4J's own wrappers were
 * measured and are not used here: {@code Nd4j.getBlasWrapper().lapack().syev} plus three INDArrays
 * cost ~250 µs per call in buffer management (a 16×16 zoo matrix needs ~5 µs of LAPACK; a digits
 * checkpoint took 9 ms instead of 0.3 ms), {@code Level3.syrk} passes K = 1 to dsyrk (a bug in M2.1),
 * and {@code mmul} spends twice the flops of dsyrk and runs OpenBLAS's dgemm, which is one of the
 * kernels that fail on AVX-512 hosts (see {@link NativeBlas}).
 */
final class GramEigenSolver implements EigenSolver {
    static final GramEigenSolver INSTANCE = new GramEigenSolver();
    private static final double EPS = Math.ulp(1.0);
    /** Buffers above this many doubles (128 MB) are freed after use instead of kept for the thread. */
    private static final long KEEP_LIMIT = 16L << 20;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private GramEigenSolver() {
    }

    @Override
    public double[] eigenvalues(double[] colMajor, int rows, int cols) {
        NativeBlas.ensureAvailable();
        Buffers b = BUFFERS.get();
        try {
            DoublePointer a = b.a.ensure(colMajor.length).put(colMajor);
            return solve(a, rows, cols, EigenSolver.frobeniusSquared(colMajor), b, () -> colMajor);
        } finally {
            b.trim();
        }
    }

    /** Straight from the layer's native slices: no copy of the matrix. */
    @Override
    public double[] eigenvalues(NativeSlices slices, int s) {
        Buffers b = BUFFERS.get();
        try {
            return solve(slices.slice(s), slices.rows(), slices.cols(), slices.frobeniusSquared(s), b, () -> slices.toArray(s));
        } finally {
            b.trim();
        }
    }

    /** dsyrk + dsyev on {@code a} (not modified); the exact SVD of {@code matrix} where G cannot tell the rank. */
    private static double[] solve(DoublePointer a, int rows, int cols, double fro2, Buffers b, Supplier<double[]> matrix) {
        int m = Math.min(rows, cols);
        int k = Math.max(rows, cols);
        double[] evals = new double[m];
        DoublePointer g = b.g.ensure((long) m * m);
        DoublePointer w = b.w.ensure(m);
        // G = AᵀA when A is tall, A·Aᵀ when it is wide: always the smaller side; lower triangle.
        cblas_dsyrk(CblasColMajor, CblasLower, rows >= cols ? CblasTrans : CblasNoTrans, m, k, 1.0, a, rows, 0.0, g, m);
        DoublePointer query = b.work.ensure(1);
        check(LAPACKE_dsyev_work(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'L', m, g, m, w, query, -1), rows, cols);
        int lwork = (int) query.get();
        check(LAPACKE_dsyev_work(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'L', m, g, m, w, b.work.ensure(lwork), lwork), rows, cols);
        w.get(evals);
        double roundoff = 4.0 * k * EPS * fro2;
        EigenSolver.checkTrace(evals, fro2, 4 * roundoff, "dsyrk+dsyev", rows, cols);
        Arrays.sort(evals);
        if (evals[0] <= roundoff) {
            return SvdEigenSolver.INSTANCE.eigenvalues(matrix.get(), rows, cols);
        }
        return evals;
    }

    private static void check(int info, int rows, int cols) {
        if (info != 0) {
            throw new InconsistentSpectrumException("LAPACK dsyev failed (info " + info + ") on the Gram matrix of a " + rows + "×" + cols + " matrix");
        }
    }

    /** One thread's native scratch memory, grown on demand. */
    private static final class Buffers {
        final Buffer a = new Buffer();
        final Buffer g = new Buffer();
        final Buffer w = new Buffer();
        final Buffer work = new Buffer();

        void trim() {
            a.trim();
            g.trim();
            w.trim();
            work.trim();
        }
    }

    private static final class Buffer {
        private DoublePointer pointer;

        DoublePointer ensure(long size) {
            if (pointer == null || pointer.capacity() < size) {
                release();
                pointer = new DoublePointer(Math.max(size, 1));
            }
            return pointer.position(0);
        }

        void trim() {
            if (pointer != null && pointer.capacity() > KEEP_LIMIT) {
                release();
            }
        }

        private void release() {
            if (pointer != null) {
                pointer.close();
                pointer = null;
            }
        }
    }
}
