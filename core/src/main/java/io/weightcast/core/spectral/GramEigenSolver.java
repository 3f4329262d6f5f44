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
import org.bytedeco.javacpp.IntPointer;

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
 * WeightWatcher's {@code rank_loss} and {@code matrix_rank} (σ ≤ σmax·N·ε), and its smallest value (svMin): below
 * E = {@code 4·k·ε·‖W‖²_F} (the rounding bound of G) its eigenvalues are noise of that size. Nor can it tell on which
 * side of a decision threshold (weak_rank_loss's λ &lt; 1e-6, the fit's λ &gt; 1e-5: {@link SpectralOptions#DEFAULTS})
 * an eigenvalue within E of it lies. So:
 * <ul>
 * <li>smallest eigenvalue above E and none within E of a threshold: G's eigenvalues (the common case for
 * rectangular layers: a random k×m matrix has λmin ≈ σ²(√k − √m)²);</li>
 * <li>a square slice with its smallest eigenvalue at or below E: {@link SquareCertificate} — one LU factorisation
 * certifies σmin a thousand times above WeightWatcher's rank tolerance (so rank_loss is 0 and matrix_rank full) and
 * power iteration with its inverted factors gives σmin to ~1e-10 relative; σmin² replaces G's smallest eigenvalue
 * and is the floor of the others (G's values there are noise, never negative now, and only their absolute size
 * enters the metrics: sums, entropy, the threshold counts, whose sides were checked). This is not rare, as this
 * comment once said: a random N×N matrix has λmin ~ σ²/N, at N = 4096 comparable to E (a seeded random 4096²
 * matrix of N(0, 0.02²): λmin 2.1e-8, E 2.4e-8; Llama-7B has 128 such layers). Measured on it at one thread: dsyrk +
 * dsyev 6.7 s, the certificate 2.7 s, against 23–40 s of dgesvd (docs/design-notes.md);</li>
 * <li>everything else (rank-deficient slices with duplicated or zero units, rectangular ones below E, condition
 * numbers beyond the certificate's reach, an eigenvalue within E of a threshold): the exact dgesvd
 * ({@link SvdEigenSolver}).</li>
 * </ul>
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
    /**
     * {@code -Dweightcast.spectral.square.certificate=false} sends square slices below E to dgesvd as before the
     * certificate (for comparisons; the numbers agree either way, SquareCertificateTest).
     */
    static final boolean CERTIFICATE = !"false".equals(System.getProperty("weightcast.spectral.square.certificate"));

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
        return solveWithPath(a, rows, cols, fro2, b, matrix).evals();
    }

    private static Solution solveWithPath(DoublePointer a, int rows, int cols, double fro2, Buffers b, Supplier<double[]> matrix) {
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
        return decide(a, rows, cols, evals, roundoff, b, matrix);
    }

    /** How a slice's eigenvalues were obtained (tests). */
    enum Path { GRAM, CERTIFIED, SVD }

    record Solution(double[] evals, Path path) {
    }

    /** The Gram eigenvalues when they settle every question, the certified square path, else the exact SVD. */
    private static Solution decide(DoublePointer a, int rows, int cols, double[] evals, double roundoff, Buffers b,
                                   Supplier<double[]> matrix) {
        boolean near = nearThreshold(evals, roundoff);
        if (evals[0] > roundoff && !near) {
            return new Solution(evals, Path.GRAM);
        }
        if (CERTIFICATE && rows == cols && !near) {
            int n = rows;
            long size = (long) n * n;
            IntPointer pivots = new IntPointer(n);
            try {
                SquareCertificate.Scratch scratch = new SquareCertificate.Scratch(b.g.ensure(size), b.x.ensure(size), b.v.ensure(n), pivots);
                double sigma = SquareCertificate.sigmaMin(a, n, Math.sqrt(evals[n - 1]), scratch);
                if (!Double.isNaN(sigma)) {
                    double floor = sigma * sigma;
                    evals[0] = floor;
                    for (int i = 1; i < n; i++) {
                        evals[i] = Math.max(evals[i], floor);
                    }
                    return new Solution(evals, Path.CERTIFIED);
                }
            } finally {
                pivots.close();
            }
        }
        return new Solution(SvdEigenSolver.INSTANCE.eigenvalues(matrix.get(), rows, cols), Path.SVD);
    }

    /**
     * Whether an eigenvalue lies within {@code roundoff} of a threshold WeightWatcher's counts use (weak_rank_loss's,
     * the fit's; the defaults): G cannot tell its side.
     */
    static boolean nearThreshold(double[] evals, double roundoff) {
        double[] thresholds = {SpectralOptions.DEFAULTS.weakRankTolerance(), SpectralOptions.DEFAULTS.fitThreshold()};
        for (double v : evals) {
            for (double t : thresholds) {
                if (Math.abs(v - t) <= roundoff) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The eigenvalues of one column-major matrix and the path that produced them (tests). */
    Solution solution(double[] colMajor, int rows, int cols) {
        NativeBlas.ensureAvailable();
        Buffers b = BUFFERS.get();
        try {
            DoublePointer a = b.a.ensure(colMajor.length).put(colMajor);
            return solveWithPath(a, rows, cols, EigenSolver.frobeniusSquared(colMajor), b, () -> colMajor);
        } finally {
            b.trim();
        }
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
        /** The certificate's second n×n matrix and its vector ({@link SquareCertificate}). */
        final Buffer x = new Buffer();
        final Buffer v = new Buffer();

        void trim() {
            a.trim();
            g.trim();
            w.trim();
            work.trim();
            x.trim();
            v.trim();
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
