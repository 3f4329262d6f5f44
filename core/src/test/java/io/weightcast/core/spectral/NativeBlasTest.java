package io.weightcast.core.spectral;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeBlasTest {

    @Test
    void openBlasStartsWithTheFirstThreadVariableItCanRead() {
        assertThat(NativeBlas.startingThreads(Map.of(), 8)).isEqualTo(8);
        assertThat(NativeBlas.startingThreads(Map.of("OMP_NUM_THREADS", "1"), 8)).isEqualTo(1);
        assertThat(NativeBlas.startingThreads(Map.of("OMP_NUM_THREADS", "1", "GOTO_NUM_THREADS", "3"), 8)).isEqualTo(3);
        assertThat(NativeBlas.startingThreads(Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "2"), 8)).isEqualTo(2);
        // unreadable or non-positive values are skipped, as OpenBLAS skips them; more than the cores is capped
        assertThat(NativeBlas.startingThreads(Map.of("OPENBLAS_NUM_THREADS", "x", "OMP_NUM_THREADS", "2"), 8)).isEqualTo(2);
        assertThat(NativeBlas.startingThreads(Map.of("OPENBLAS_NUM_THREADS", "0"), 4)).isEqualTo(4);
        assertThat(NativeBlas.startingThreads(Map.of("OMP_NUM_THREADS", "64"), 4)).isEqualTo(4);
    }

    @Test
    void theGramSolverRunsOnOpenBlasAlone() {
        NativeBlas.ensureAvailable();
        // a 3×2 matrix, column-major: WᵀW = [[1+4+9, 4+10+18], [.., 16+25+36]] has the eigenvalues of its 2×2 Gram
        double[] w = {1, 2, 3, 4, 5, 6};
        double[] evals = EigenSolver.gram().eigenvalues(w, 3, 2);
        double a = 14;
        double b = 32;
        double d = 77;
        double mean = (a + d) / 2;
        double r = Math.sqrt((a - d) * (a - d) / 4 + b * b);
        assertThat(evals).containsExactly(new double[] {mean - r, mean + r}, org.assertj.core.data.Offset.offset(1e-9));
    }
}
