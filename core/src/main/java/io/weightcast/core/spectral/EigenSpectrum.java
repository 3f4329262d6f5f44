package io.weightcast.core.spectral;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.stream.IntStream;

/**
 * One layer's empirical spectral density: the eigenvalues λ = σ² of all its matrices pooled into one
 * ascending array (M·rf values), with the per-matrix quantities WeightWatcher reports alongside.
 *
 * @param eigenvalues ascending, all ≥ 0
 * @param svMax       the largest singular value over the slices
 * @param svMin       the LARGEST of the per-slice smallest singular values (a WeightWatcher quirk: its
 *                    {@code sv_min} keeps a running max; we report the same number)
 * @param rankLoss    Σ over slices of the singular values ≤ σmax(slice)·N·ε (numpy's {@code matrix_rank} rule)
 */
public record EigenSpectrum(double[] eigenvalues, double svMax, double svMin, int rankLoss) {
    private static final double EPS = Math.ulp(1.0);

    public static EigenSpectrum of(LayerMatrices layer, EigenSolver solver) {
        return of(layer, solver, null);
    }

    /** @param pool computes the slices of a conv layer in parallel; null for the calling thread */
    public static EigenSpectrum of(LayerMatrices layer, EigenSolver solver, ForkJoinPool pool) {
        try (NativeSlices slices = NativeSlices.of(layer)) {
            return of(layer, slices, solver, pool);
        }
    }

    /** From the layer's slices already in native memory ({@link NativeSlices#of}); {@code pool} as above. */
    public static EigenSpectrum of(LayerMatrices layer, NativeSlices slices, EigenSolver solver, ForkJoinPool pool) {
        List<double[]> spectra;
        if (pool == null || slices.count() == 1) {
            spectra = IntStream.range(0, slices.count()).mapToObj(s -> solver.eigenvalues(slices, s)).toList();
        } else {
            List<ForkJoinTask<double[]>> tasks = IntStream.range(0, slices.count())
                    .mapToObj(s -> pool.submit(() -> solver.eigenvalues(slices, s))).toList();
            spectra = tasks.stream().map(ForkJoinTask::join).toList();
        }
        double[] pooled = new double[layer.numEvals()];
        double svMax = 0;
        double svMin = 0;
        int rankLoss = 0;
        int at = 0;
        for (double[] evals : spectra) {
            double sliceMax = Math.sqrt(evals[evals.length - 1]);
            svMax = Math.max(svMax, sliceMax);
            svMin = Math.max(svMin, Math.sqrt(evals[0]));
            double tolerance = sliceMax * layer.n() * EPS;
            for (double v : evals) {
                if (!(Math.sqrt(v) > tolerance)) {
                    rankLoss++;
                }
            }
            System.arraycopy(evals, 0, pooled, at, evals.length);
            at += evals.length;
        }
        Arrays.sort(pooled);
        return new EigenSpectrum(pooled, svMax, svMin, rankLoss);
    }

    public int size() {
        return eigenvalues.length;
    }

    public double max() {
        return eigenvalues[eigenvalues.length - 1];
    }
}
