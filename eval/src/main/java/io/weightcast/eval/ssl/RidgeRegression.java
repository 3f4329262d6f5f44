package io.weightcast.eval.ssl;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Linear regression with an L2 penalty (the paper's linear model on W), several targets at once.
 * Columns are standardised with the training rows' mean and standard deviation and the intercept is
 * the training mean of y, so it minimises (1/n)‖y − ȳ − Zw‖² + λ‖w‖². Solved by conjugate gradients
 * on (ZᵀZ/n + λI) w = Zᵀ(y − ȳ)/n without ever forming ZᵀZ: for W (4,970 columns, ~12,600 rows)
 * that product alone is 3·10¹¹ flops, a CG step 4·n·d, and one pass over the rows serves every
 * target. λ comes from a descending grid, each warm-started from the last solution, chosen per
 * target by the mean squared error on the validation rows.
 */
public final class RidgeRegression {
    /** The λ grid (standardised columns, so one grid suits every input). */
    public static final double[] LAMBDAS = {1e4, 1e3, 100, 10, 1, 0.1, 0.01, 0.001};
    /** CG stops at this residual relative to ‖b‖, or after {@code maxIterations} steps per λ. */
    static final double TOLERANCE = 1e-5;

    /** A fitted target: y ≈ intercept + Σ coef_j · x_j (coefficients on the raw columns). */
    public record Model(double[] coef, double intercept, double lambda, double validationMse, int iterations) {
        public double predict(float[] row) {
            double s = intercept;
            for (int j = 0; j < coef.length; j++) {
                s += coef[j] * row[j];
            }
            return s;
        }

        public double[] predict(float[][] rows) {
            double[] out = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                out[i] = predict(rows[i]);
            }
            return out;
        }
    }

    private final float[][] x;
    private final int n;
    private final int d;
    private final double[] mean;
    private final double[] scale;
    private final int threads;

    private RidgeRegression(float[][] x, int threads) {
        this.x = x;
        this.n = x.length;
        this.d = x[0].length;
        this.threads = Math.max(1, threads);
        this.mean = new double[d];
        this.scale = new double[d];
        double[] sq = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
                sq[j] += (double) row[j] * row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
            double var = sq[j] / n - mean[j] * mean[j];
            // a constant column carries nothing; scale 1 keeps it at 0 after centring
            scale[j] = var > 1e-20 ? Math.sqrt(var) : 1.0;
        }
    }

    /**
     * @param x     training rows (n × d)
     * @param y     targets [target][row]
     * @param vx    validation rows
     * @param vy    validation targets [target][row]
     * @return per target the model with the lowest validation MSE over the λ grid
     */
    public static List<Model> fit(float[][] x, double[][] y, float[][] vx, double[][] vy, double[] lambdas,
                                  int maxIterations, int threads) {
        if (x.length < 2 || vx.length < 1) {
            throw new IllegalArgumentException("ridge needs at least 2 training rows and 1 validation row");
        }
        return new RidgeRegression(x, threads).path(y, vx, vy, lambdas, maxIterations);
    }

    private List<Model> path(double[][] y, float[][] vx, double[][] vy, double[] lambdas, int maxIterations) {
        int k = y.length;
        double[] ybar = new double[k];
        double[][] centred = new double[k][n];
        for (int t = 0; t < k; t++) {
            for (int i = 0; i < n; i++) {
                ybar[t] += y[t][i] / n;
            }
            for (int i = 0; i < n; i++) {
                centred[t][i] = y[t][i] - ybar[t];
            }
        }
        double[][] b = transposeTimes(centred); // Zᵀ(y − ȳ)/n
        double[][] w = new double[k][d];
        Model[] best = new Model[k];
        for (double lambda : lambdas) {
            int iterations = solve(b, w, lambda, maxIterations);
            for (int t = 0; t < k; t++) {
                Model m = model(w[t], ybar[t], lambda, iterations);
                double mse = mse(m.predict(vx), vy[t]);
                if (best[t] == null || mse < best[t].validationMse()) {
                    best[t] = new Model(m.coef(), m.intercept(), lambda, mse, iterations);
                }
            }
        }
        return List.of(best);
    }

    /** CG on (ZᵀZ/n + λI) w = b for every target, in place from the given start; returns the steps taken. */
    private int solve(double[][] b, double[][] w, double lambda, int maxIterations) {
        int k = b.length;
        double[][] ap = apply(w, lambda);
        double[][] r = new double[k][d];
        double[][] p = new double[k][d];
        double[] rs = new double[k];
        double[] bound = new double[k];
        boolean[] done = new boolean[k];
        for (int t = 0; t < k; t++) {
            for (int j = 0; j < d; j++) {
                r[t][j] = b[t][j] - ap[t][j];
                p[t][j] = r[t][j];
            }
            rs[t] = dot(r[t], r[t]);
            bound[t] = Math.pow(TOLERANCE, 2) * Math.max(dot(b[t], b[t]), 1e-300);
            done[t] = rs[t] <= bound[t];
        }
        int step = 0;
        while (step < maxIterations && !allTrue(done)) {
            step++;
            ap = apply(p, lambda);
            for (int t = 0; t < k; t++) {
                if (done[t]) {
                    continue;
                }
                double alpha = rs[t] / dot(p[t], ap[t]);
                for (int j = 0; j < d; j++) {
                    w[t][j] += alpha * p[t][j];
                    r[t][j] -= alpha * ap[t][j];
                }
                double next = dot(r[t], r[t]);
                double beta = next / rs[t];
                rs[t] = next;
                for (int j = 0; j < d; j++) {
                    p[t][j] = r[t][j] + beta * p[t][j];
                }
                done[t] = next <= bound[t];
            }
        }
        return step;
    }

    /** (ZᵀZ/n + λI) v for each row of v (standardised coordinates). */
    private double[][] apply(double[][] v, double lambda) {
        int k = v.length;
        double[][] u = new double[k][n];
        double[][] raw = new double[k][d];
        double[] shift = new double[k];
        for (int t = 0; t < k; t++) {
            for (int j = 0; j < d; j++) {
                raw[t][j] = v[t][j] / scale[j];
                shift[t] += mean[j] * raw[t][j];
            }
        }
        parallelRows(i -> {
            float[] row = x[i];
            for (int t = 0; t < k; t++) {
                u[t][i] = dot(row, raw[t]) - shift[t];
            }
        });
        double[][] out = transposeTimes(u);
        for (int t = 0; t < k; t++) {
            for (int j = 0; j < d; j++) {
                out[t][j] += lambda * v[t][j];
            }
        }
        return out;
    }

    /** Zᵀu/n for each row of u: summed over row blocks, one block per thread. */
    private double[][] transposeTimes(double[][] u) {
        int k = u.length;
        int blocks = Math.min(threads, n);
        double[][][] partial = new double[blocks][k][d];
        double[][] usum = new double[blocks][k];
        runParallel(blocks, blk -> {
            int from = (int) ((long) n * blk / blocks);
            int to = (int) ((long) n * (blk + 1) / blocks);
            for (int i = from; i < to; i++) {
                float[] row = x[i];
                for (int t = 0; t < k; t++) {
                    double ui = u[t][i];
                    double[] acc = partial[blk][t];
                    for (int j = 0; j < d; j++) {
                        acc[j] += row[j] * ui;
                    }
                    usum[blk][t] += ui;
                }
            }
        });
        double[][] out = new double[k][d];
        for (int t = 0; t < k; t++) {
            double total = 0;
            for (int blk = 0; blk < blocks; blk++) {
                total += usum[blk][t];
                for (int j = 0; j < d; j++) {
                    out[t][j] += partial[blk][t][j];
                }
            }
            for (int j = 0; j < d; j++) {
                out[t][j] = (out[t][j] - mean[j] * total) / scale[j] / n;
            }
        }
        return out;
    }

    private void parallelRows(java.util.function.IntConsumer body) {
        int blocks = Math.min(threads, n);
        runParallel(blocks, blk -> {
            int from = (int) ((long) n * blk / blocks);
            int to = (int) ((long) n * (blk + 1) / blocks);
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }

    private void runParallel(int blocks, java.util.function.IntConsumer block) {
        if (blocks == 1) {
            block.accept(0);
            return;
        }
        ForkJoinPool pool = new ForkJoinPool(blocks);
        try {
            pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(block)).join();
        } finally {
            pool.shutdown();
        }
    }

    private Model model(double[] w, double ybar, double lambda, int iterations) {
        double[] coef = new double[d];
        double intercept = ybar;
        for (int j = 0; j < d; j++) {
            coef[j] = w[j] / scale[j];
            intercept -= coef[j] * mean[j];
        }
        return new Model(coef, intercept, lambda, Double.NaN, iterations);
    }

    static double mse(double[] pred, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            double e = pred[i] - y[i];
            s += e * e;
        }
        return s / y.length;
    }

    /** Four partial sums: a single one is a chain of dependent adds the JIT cannot reorder (3–4× slower). */
    private static double dot(float[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < a.length; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < a.length; j++) {
            s0 += a[j] * b[j];
        }
        return s0 + s1 + s2 + s3;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static boolean allTrue(boolean[] b) {
        for (boolean x : b) {
            if (!x) {
                return false;
            }
        }
        return true;
    }
}
