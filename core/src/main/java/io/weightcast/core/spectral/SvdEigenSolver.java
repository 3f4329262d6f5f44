package io.weightcast.core.spectral;

import static org.bytedeco.openblas.global.openblas.LAPACKE_dgesvd_work;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;

import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Squared singular values from LAPACK dgesvd on W (values only), called through the JavaCPP bindings of the OpenBLAS
 * that nd4j-native ships, as {@link GramEigenSolver} calls dsyev (ND4J M2.1's {@code svd} op is broken: it throws, or
 * crashes with a preallocated output; its {@code lapack().gesvd} wrapper works but needs ND4J's whole backend started,
 * 0.2–0.7 s of a cold {@code analyze}). Relative accuracy on small singular values, so it is the reference for rank
 * questions; slower than {@link GramEigenSolver} for everything else.
 */
final class SvdEigenSolver implements EigenSolver {
    static final SvdEigenSolver INSTANCE = new SvdEigenSolver();

    private SvdEigenSolver() {
    }

    @Override
    public double[] eigenvalues(double[] colMajor, int rows, int cols) {
        NativeBlas.ensureAvailable();
        int m = Math.min(rows, cols);
        double[] sv = new double[m];
        // dgesvd overwrites its input: it gets a native copy
        try (DoublePointer a = new DoublePointer(colMajor);
             DoublePointer s = new DoublePointer(m);
             DoublePointer none = new DoublePointer(1);
             DoublePointer query = new DoublePointer(1)) {
            check(LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'N', rows, cols, a, rows, s, none, 1, none, 1, query, -1),
                    rows, cols);
            int lwork = (int) query.get();
            try (DoublePointer work = new DoublePointer(Math.max(1, lwork))) {
                check(LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'N', rows, cols, a, rows, s, none, 1, none, 1, work,
                        lwork), rows, cols);
            }
            s.get(sv);
        }
        double[] evals = new double[m];
        for (int i = 0; i < m; i++) {
            evals[i] = sv[i] * sv[i];
        }
        EigenSolver.checkTrace(evals, EigenSolver.frobeniusSquared(colMajor), 0, "dgesvd", rows, cols);
        Arrays.sort(evals);
        return evals;
    }

    private static void check(int info, int rows, int cols) {
        if (info != 0) {
            throw new InconsistentSpectrumException("LAPACK dgesvd failed (info " + info + ") on a " + rows + "×" + cols + " matrix");
        }
    }
}
