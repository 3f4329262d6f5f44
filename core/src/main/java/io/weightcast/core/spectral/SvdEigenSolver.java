package io.weightcast.core.spectral;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Squared singular values from LAPACK dgesvd on W (values only), through
 * {@code Nd4j.getBlasWrapper().lapack().gesvd} (ND4J M2.1's {@code svd} op is broken: it throws, or
 * crashes with a preallocated output). Relative accuracy on small singular values, so it is the
 * reference for rank questions; slower than {@link GramEigenSolver} for everything else.
 */
final class SvdEigenSolver implements EigenSolver {
    static final SvdEigenSolver INSTANCE = new SvdEigenSolver();

    private SvdEigenSolver() {
    }

    @Override
    public double[] eigenvalues(double[] colMajor, int rows, int cols) {
        NativeBlas.ensureNd4j();
        int m = Math.min(rows, cols);
        double[] sv = new double[m];
        // gesvd overwrites its input, so ND4J gets a copy (Nd4j.create copies the Java array).
        try (INDArray a = Nd4j.create(colMajor, new long[] {rows, cols}, 'f');
             INDArray s = Nd4j.create(DataType.DOUBLE, m)) {
            Nd4j.getBlasWrapper().lapack().gesvd(a, s, null, null);
            s.data().asNioDouble().get(sv);
        }
        double[] evals = new double[m];
        for (int i = 0; i < m; i++) {
            evals[i] = sv[i] * sv[i];
        }
        EigenSolver.checkTrace(evals, EigenSolver.frobeniusSquared(colMajor), 0, "dgesvd", rows, cols);
        Arrays.sort(evals);
        return evals;
    }
}
