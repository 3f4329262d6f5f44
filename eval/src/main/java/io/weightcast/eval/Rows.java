package io.weightcast.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoints as a LightGBM matrix over some feature columns: one row per (run, epoch), row-major;
 * non-finite values become NaN (missing to LightGBM); the target is the run's final test accuracy.
 *
 * @param run   row → index of its run in the list the rows were built from
 * @param epoch row → its epoch (1-based)
 */
public record Rows(double[] matrix, int rows, int cols, double[] targets, int[] run, int[] epoch) {

    /** Every epoch of every run. */
    public static Rows of(List<EvalRun> runs, int[] columns) {
        return of(runs, columns, 0);
    }

    /** @param onlyEpoch 0 for every epoch, else just that one */
    public static Rows of(List<EvalRun> runs, int[] columns, int onlyEpoch) {
        List<double[]> rows = new ArrayList<>();
        List<int[]> keys = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            for (EvalRun.Epoch e : runs.get(r).epochs()) {
                if (onlyEpoch == 0 || e.step() == onlyEpoch) {
                    double[] v = new double[columns.length];
                    for (int j = 0; j < columns.length; j++) {
                        double x = e.features()[columns[j]];
                        v[j] = Double.isFinite(x) ? x : Double.NaN;
                    }
                    rows.add(v);
                    keys.add(new int[] {r, e.step()});
                }
            }
        }
        int n = rows.size();
        double[] m = new double[n * columns.length];
        double[] y = new double[n];
        int[] run = new int[n];
        int[] epoch = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, m, i * columns.length, columns.length);
            run[i] = keys.get(i)[0];
            epoch[i] = keys.get(i)[1];
            y[i] = runs.get(run[i]).finalAccuracy();
        }
        return new Rows(m, n, columns.length, y, run, epoch);
    }

    /** The same rows with other targets (e.g. a 0/1 label for a classifier). */
    public Rows withTargets(double[] other) {
        if (other.length != rows) {
            throw new IllegalArgumentException(other.length + " targets for " + rows + " rows");
        }
        return new Rows(matrix, rows, cols, other, run, epoch);
    }

    public float[] labels() {
        float[] l = new float[rows];
        for (int i = 0; i < rows; i++) {
            l[i] = (float) targets[i];
        }
        return l;
    }
}
