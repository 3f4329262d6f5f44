package io.weightcast.eval.ssl;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;

import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.ssl.ArchitectureSignature;
import io.weightcast.core.ssl.LayerShape;
import io.weightcast.core.ssl.NeuronPermutation;
import io.weightcast.core.ssl.TokenNormalizer;
import io.weightcast.core.ssl.WeightTokens;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The linear bound on the encoder's reconstruction R² (issue 23: why it plateaus). PCA of the training
 * runs' checkpoints (normalised, canonical order: exactly what the decoder must reproduce) keeps the k
 * directions that explain most of them; reconstructing a held-out run's checkpoint from its projection on
 * those k directions is the best any linear encoder–decoder with a k-dimensional z can do on average, and
 * for weights dominated by each run's random initialisation (near-Gaussian, i.i.d. per weight) a non-linear
 * one cannot do much better. R² is the encoder's own: 1 − SSE / Σ t² over every weight of the normalised
 * space ({@code HyperRepresentation#reconstructionR2}).
 *
 * <p>The basis comes from the smaller side: the d × d covariance when there are more checkpoints than
 * weights, else the n × n Gram matrix (its eigenvectors mapped back through Aᵀ). LAPACK dsyevd, not ND4J's
 * broken svd op (design.md §9).
 */
final class ReconstructionBound {
    /** z sizes reported (clipped to the basis). */
    static final int[] COMPONENTS = {0, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
    /** Test R² levels whose smallest k is reported. */
    static final double[] LEVELS = {0.1, 0.25, 0.5, 0.75, 0.9};

    /** R² with the top {@code components} directions: on the checkpoints the basis came from, and on held-out runs. */
    record Point(int components, double fitR2, double testR2) {
    }

    /**
     * @param dimensions       weights per checkpoint
     * @param basis            directions available (min(fit checkpoints − 1, dimensions))
     * @param points           R² at {@link #COMPONENTS}
     * @param componentsFor    per level of {@link #LEVELS}, the fewest directions reaching it on held-out runs (−1: never)
     * @param layerTestR2      per layer, held-out R² with {@code layerComponents} directions
     * @param layerComponents  the directions of the per-layer figures (the encoder's z size, clipped)
     */
    record Result(int dimensions, int fitCheckpoints, int testCheckpoints, int basis, List<Point> points,
                  Map<Double, Integer> componentsFor, double[] layerTestR2, int layerComponents) {
    }

    private ReconstructionBound() {
    }

    /**
     * The bound on checkpoints as the decoder sees them: canonical neuron order, each layer standardised
     * by a {@link TokenNormalizer} fitted on the fit checkpoints (the encoder fits its own on its training
     * checkpoints: the same runs).
     */
    static Result of(ArchitectureSignature signature, List<WeightTokens> fit, List<WeightTokens> test, int layerK) {
        TokenNormalizer norm = TokenNormalizer.fit(fit);
        return compute(normalised(fit, norm), normalised(test, norm), layerStarts(signature), layerK);
    }

    static float[][] normalised(List<WeightTokens> checkpoints, TokenNormalizer norm) {
        float[][] out = new float[checkpoints.size()][];
        for (int i = 0; i < out.length; i++) {
            WeightTokens c = NeuronPermutation.canonical(checkpoints.get(i));
            float[] row = new float[c.signature().parameters()];
            int at = 0;
            for (int l = 0; l < c.layers().length; l++) {
                for (float v : c.layers()[l]) {
                    row[at++] = norm.apply(l, v);
                }
            }
            out[i] = row;
        }
        return out;
    }

    static int[] layerStarts(ArchitectureSignature signature) {
        int[] starts = new int[signature.layers().size()];
        for (int l = 1; l < starts.length; l++) {
            LayerShape previous = signature.layers().get(l - 1);
            starts[l] = starts[l - 1] + previous.units() * previous.width();
        }
        return starts;
    }

    /** ssl.json's {@code reconstruction_bound}. */
    static Map<String, Object> json(Result r, ArchitectureSignature signature, double seconds) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("dimensions", r.dimensions());
        j.put("fit_checkpoints", r.fitCheckpoints());
        j.put("test_checkpoints", r.testCheckpoints());
        j.put("basis", r.basis());
        List<Map<String, Object>> points = new ArrayList<>();
        for (Point p : r.points()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("components", p.components());
            row.put("fit_r2", p.fitR2());
            row.put("test_r2", p.testR2());
            points.add(row);
        }
        j.put("by_components", points);
        Map<String, Object> needed = new LinkedHashMap<>();
        r.componentsFor().forEach((level, k) -> needed.put(String.valueOf(level), k < 0 ? null : k));
        j.put("components_for_test_r2", needed);
        Map<String, Object> layers = new LinkedHashMap<>();
        for (int l = 0; l < r.layerTestR2().length; l++) {
            layers.put(signature.layers().get(l).name(), r.layerTestR2()[l]);
        }
        j.put("layer_components", r.layerComponents());
        j.put("layer_test_r2", layers);
        j.put("seconds", seconds);
        return j;
    }

    /**
     * @param fit         the checkpoints the basis is fitted on (rows: normalised weights)
     * @param test        held-out checkpoints (other runs)
     * @param layerStarts first column of each layer, ascending, starting at 0
     * @param layerK      directions for the per-layer figures
     */
    static Result compute(float[][] fit, float[][] test, int[] layerStarts, int layerK) {
        NativeBlas.ensureAvailable();
        int n = fit.length;
        int m = test.length;
        int d = fit[0].length;
        if (n < 2 || m < 1) {
            throw new IllegalArgumentException("the bound needs at least 2 fitted and 1 held-out checkpoint, had " + n + " and " + m);
        }
        double[] mean = new double[d];
        for (float[] row : fit) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] centeredFit = centered(fit, mean);
        double fitCentered = sumOfSquares(centeredFit);
        Basis basis = basis(centeredFit, n, d);
        int r = basis.values.length;
        double fitTotal = sumOfSquares(fit);
        double[] centeredTest = centered(test, mean);
        double testTotal = sumOfSquares(test);
        double testCentered = sumOfSquares(centeredTest);
        // Y = B·V: each held-out checkpoint's coordinates on the directions (most variance first).
        double[] y = new double[m * r];
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, d, 1.0, centeredTest, m, basis.vectors, d, 0.0, y, m);
        double[] fitR2 = new double[r + 1];
        double[] testR2 = new double[r + 1];
        double fitKept = 0;
        double testKept = 0;
        for (int k = 0; k <= r; k++) {
            if (k > 0) {
                fitKept += basis.values[k - 1];
                for (int i = 0; i < m; i++) {
                    double c = y[(k - 1) * m + i];
                    testKept += c * c;
                }
            }
            fitR2[k] = 1 - Math.max(0, fitCentered - fitKept) / fitTotal;
            testR2[k] = 1 - Math.max(0, testCentered - testKept) / testTotal;
        }
        List<Point> points = new ArrayList<>();
        for (int k : COMPONENTS) {
            if (k <= r) {
                points.add(new Point(k, fitR2[k], testR2[k]));
            }
        }
        if (points.get(points.size() - 1).components() != r) {
            points.add(new Point(r, fitR2[r], testR2[r]));
        }
        Map<Double, Integer> componentsFor = new LinkedHashMap<>();
        for (double level : LEVELS) {
            int found = -1;
            for (int k = 0; k <= r && found < 0; k++) {
                found = testR2[k] >= level ? k : -1;
            }
            componentsFor.put(level, found);
        }
        int k = Math.min(layerK, r);
        // B − Y_k·V_kᵀ: what the top k directions leave of each held-out checkpoint
        double[] residual = centeredTest.clone();
        if (k > 0) {
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, d, k, -1.0, y, m, basis.vectors, d, 1.0, residual, m);
        }
        double[] layers = layerR2(residual, test, layerStarts);
        return new Result(d, n, m, r, List.copyOf(points), componentsFor, layers, k);
    }

    /** Orthonormal directions (d × r, column-major, most variance first) and the variance each explains (Σ over rows). */
    private record Basis(double[] vectors, double[] values) {
    }

    private static Basis basis(double[] a, int n, int d) {
        if (n >= d) {
            double[] c = new double[d * d];
            cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, d, n, 1.0, a, n, 0.0, c, d);
            double[] w = new double[d];
            eigen(c, w, d);
            return descending(c, w, d, d);
        }
        // Gram side: G = A·Aᵀ (n × n); V = Aᵀ·U·diag(1/√λ) for the directions with variance.
        double[] g = new double[n * n];
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, d, 1.0, a, n, 0.0, g, n);
        double[] w = new double[n];
        eigen(g, w, n);
        double top = Math.max(w[n - 1], Double.MIN_NORMAL);
        int r = 0;
        while (r < n && w[n - 1 - r] > top * 1e-10) {
            r++;
        }
        double[] u = new double[n * r];
        double[] values = new double[r];
        for (int j = 0; j < r; j++) {
            System.arraycopy(g, (n - 1 - j) * n, u, j * n, n);
            values[j] = w[n - 1 - j];
        }
        double[] v = new double[d * r];
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, r, n, 1.0, a, n, u, n, 0.0, v, d);
        for (int j = 0; j < r; j++) {
            double s = 1 / Math.sqrt(values[j]);
            for (int i = 0; i < d; i++) {
                v[j * d + i] *= s;
            }
        }
        return new Basis(v, values);
    }

    /** LAPACK dsyevd on the lower triangle: eigenvalues ascending into w, eigenvectors into a's columns. */
    private static void eigen(double[] a, double[] w, int size) {
        int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', size, a, size, w);
        if (info != 0) {
            throw new IllegalStateException("LAPACK dsyevd failed (info " + info + ") on a " + size + "×" + size + " matrix");
        }
    }

    /** dsyevd's ascending columns reversed, negative round-off clipped to 0. */
    private static Basis descending(double[] vectors, double[] w, int rows, int r) {
        double[] v = new double[rows * r];
        double[] values = new double[r];
        for (int j = 0; j < r; j++) {
            System.arraycopy(vectors, (r - 1 - j) * rows, v, j * rows, rows);
            values[j] = Math.max(0, w[r - 1 - j]);
        }
        return new Basis(v, values);
    }

    /** Per layer, held-out R² given the residual (m × d, column-major) of the reconstruction. */
    private static double[] layerR2(double[] residual, float[][] test, int[] layerStarts) {
        int m = test.length;
        int d = test[0].length;
        double[] out = new double[layerStarts.length];
        for (int l = 0; l < layerStarts.length; l++) {
            int from = layerStarts[l];
            int to = l + 1 < layerStarts.length ? layerStarts[l + 1] : d;
            double sse = 0;
            double sst = 0;
            for (int j = from; j < to; j++) {
                for (int i = 0; i < m; i++) {
                    double e = residual[j * m + i];
                    sse += e * e;
                    sst += (double) test[i][j] * test[i][j];
                }
            }
            out[l] = 1 - sse / sst;
        }
        return out;
    }

    /** Rows minus the mean, column-major (n × d). */
    private static double[] centered(float[][] rows, double[] mean) {
        int n = rows.length;
        int d = mean.length;
        double[] a = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                a[j * n + i] = rows[i][j] - mean[j];
            }
        }
        return a;
    }

    private static double sumOfSquares(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v * v;
        }
        return s;
    }

    private static double sumOfSquares(float[][] rows) {
        double s = 0;
        for (float[] row : rows) {
            for (float v : row) {
                s += (double) v * v;
            }
        }
        return s;
    }
}
