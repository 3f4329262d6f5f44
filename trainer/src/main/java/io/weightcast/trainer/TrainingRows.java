package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import java.util.List;

/**
 * Zoo runs as a LightGBM matrix: one row per (run, step) checkpoint, row-major, every layout
 * feature (step and planned_steps included); the target is the run's final test accuracy.
 * Non-finite values become NaN, which LightGBM treats as missing.
 *
 * @param labels    float because LightGBM's label field is float32
 * @param runOf     row → index of its run in the input list
 * @param finalRow  row → true for the run's last checkpoint (the headline holdout metric)
 */
public record TrainingRows(double[] matrix, float[] labels, double[] targets, int rows, int cols,
                           int[] runOf, boolean[] finalRow, List<String> names) {

    public static TrainingRows of(List<ZooRun> runs) {
        return of(runs, FeatureColumns.layout());
    }

    /** Rows of {@code columns} (the layout, or the layout + an encoder's z). */
    static TrainingRows of(List<ZooRun> runs, FeatureColumns columns) {
        int cols = columns.size();
        int rows = runs.stream().mapToInt(r -> r.checkpoints().size()).sum();
        double[] matrix = new double[rows * cols];
        float[] labels = new float[rows];
        double[] targets = new double[rows];
        int[] runOf = new int[rows];
        boolean[] finalRow = new boolean[rows];
        int row = 0;
        for (int r = 0; r < runs.size(); r++) {
            ZooRun run = runs.get(r);
            List<ZooRun.Checkpoint> cps = run.checkpoints();
            for (int c = 0; c < cps.size(); c++) {
                if (cps.get(c).values().length != FeatureLayout.size()) {
                    throw new IllegalArgumentException("run " + run.runId() + " step " + cps.get(c).step()
                            + " has " + cps.get(c).values().length + " features, layout has " + FeatureLayout.size());
                }
                double[] v = columns.row(run, cps.get(c));
                for (int j = 0; j < cols; j++) {
                    matrix[row * cols + j] = Double.isFinite(v[j]) ? v[j] : Double.NaN;
                }
                labels[row] = (float) run.finalAccuracy();
                targets[row] = run.finalAccuracy();
                runOf[row] = r;
                finalRow[row] = c == cps.size() - 1;
                row++;
            }
        }
        return new TrainingRows(matrix, labels, targets, rows, cols, runOf, finalRow, columns.names());
    }

    /** A copy whose columns named by {@code drop} are NaN (missing), e.g. to measure what they add. */
    public TrainingRows without(java.util.function.Predicate<String> drop) {
        double[] m = matrix.clone();
        for (int j = 0; j < cols; j++) {
            if (drop.test(names.get(j))) {
                for (int i = 0; i < rows; i++) {
                    m[i * cols + j] = Double.NaN;
                }
            }
        }
        return new TrainingRows(m, labels, targets, rows, cols, runOf, finalRow, names);
    }

    /** The rows {@code keep} accepts (their run indices and final-row marks kept). */
    public TrainingRows select(java.util.function.IntPredicate keep) {
        int[] idx = java.util.stream.IntStream.range(0, rows).filter(keep).toArray();
        double[] m = new double[idx.length * cols];
        float[] l = new float[idx.length];
        double[] t = new double[idx.length];
        int[] r = new int[idx.length];
        boolean[] f = new boolean[idx.length];
        for (int k = 0; k < idx.length; k++) {
            System.arraycopy(matrix, idx[k] * cols, m, k * cols, cols);
            l[k] = labels[idx[k]];
            t[k] = targets[idx[k]];
            r[k] = runOf[idx[k]];
            f[k] = finalRow[idx[k]];
        }
        return new TrainingRows(m, l, t, idx.length, cols, r, f, names);
    }

    /** One value of a row, by column name (NaN when there is no such column). */
    public double value(int row, String name) {
        int j = names.indexOf(name);
        return j < 0 ? Double.NaN : matrix[row * cols + j];
    }

    /** One row's features (a copy). */
    public double[] row(int i) {
        double[] out = new double[cols];
        System.arraycopy(matrix, i * cols, out, 0, cols);
        return out;
    }
}
