package io.weightcast.core.spectral;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The Gram solver's three paths ({@link GramEigenSolver.Path}) against the exact SVD on square and rectangular
 * matrices: WeightWatcher's counts (rank_loss, matrix_rank, weak_rank_loss, spikes, status, warning) equal, every
 * real metric within {@link SpectralCasesTest#TOLERANCE}; full-rank square matrices whose smallest eigenvalue G
 * cannot resolve take the certified path, rank-deficient and out-of-reach ones the exact one.
 */
class SquareCertificateTest {
    private static final double EPS = Math.ulp(1.0);

    /** Row-major n×m matrix Q₁·diag(s)·Q₂ with Q's products of three random Householder reflectors each: singular values s. */
    private static double[] withSingularValues(double[] s, int rows, int cols, Random r) {
        double[] w = new double[rows * cols];
        for (int i = 0; i < s.length; i++) {
            w[i * cols + i] = s[i];
        }
        for (int k = 0; k < 3; k++) {
            double[] a = unit(rows, r);
            for (int j = 0; j < cols; j++) { // w ← (I − 2aaᵀ) w
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += a[i] * w[i * cols + j];
                }
                for (int i = 0; i < rows; i++) {
                    w[i * cols + j] -= 2 * a[i] * dot;
                }
            }
            double[] b = unit(cols, r);
            for (int i = 0; i < rows; i++) { // w ← w (I − 2bbᵀ)
                double dot = 0;
                for (int j = 0; j < cols; j++) {
                    dot += w[i * cols + j] * b[j];
                }
                for (int j = 0; j < cols; j++) {
                    w[i * cols + j] -= 2 * dot * b[j];
                }
            }
        }
        return w;
    }

    private static double[] unit(int n, Random r) {
        double[] v = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
            s += v[i] * v[i];
        }
        for (int i = 0; i < n; i++) {
            v[i] /= Math.sqrt(s);
        }
        return v;
    }

    private static LayerMatrices layer(double[] rowMajor, int out, int in) {
        return LayerMatrices.of("w", new long[] {out, in}, rowMajor, true);
    }

    private static GramEigenSolver.Path path(LayerMatrices layer) {
        List<double[]> slices = layer.slices();
        return GramEigenSolver.INSTANCE.solution(slices.get(0), layer.rows(), layer.cols()).path();
    }

    /** Our metrics with the Gram solver equal the exact SVD's: counts exactly, reals within the WeightWatcher tolerance. */
    private static SpectralMetrics assertSameAsSvd(LayerMatrices layer, String where) {
        EigenSpectrum gram = EigenSpectrum.of(layer, EigenSolver.gram());
        EigenSpectrum svd = EigenSpectrum.of(layer, EigenSolver.svd());
        assertThat(java.util.Arrays.stream(gram.eigenvalues()).min().orElse(0)).as(where + " non-negative").isGreaterThanOrEqualTo(0);
        SpectralMetrics g = SpectralMetrics.of(layer, gram, SpectralOptions.DEFAULTS, null);
        SpectralMetrics s = SpectralMetrics.of(layer, svd, SpectralOptions.DEFAULTS, null);
        assertThat(g.rankLoss()).as(where + " rank_loss").isEqualTo(s.rankLoss());
        assertThat(g.matrixRank()).as(where + " matrix_rank").isEqualTo(s.matrixRank());
        assertThat(g.weakRankLoss()).as(where + " weak_rank_loss").isEqualTo(s.weakRankLoss());
        assertThat(g.numEvals()).isEqualTo(s.numEvals());
        assertThat(g.status()).as(where + " status").isEqualTo(s.status());
        assertThat(g.numPlSpikes()).as(where + " num_pl_spikes").isEqualTo(s.numPlSpikes());
        assertThat(g.warning()).as(where + " warning").isEqualTo(s.warning());
        Double[][] pairs = {{g.svMin(), s.svMin()}, {g.svMax(), s.svMax()}, {g.norm(), s.norm()}, {g.logNorm(), s.logNorm()},
            {g.spectralNorm(), s.spectralNorm()}, {g.stableRank(), s.stableRank()}, {g.entropy(), s.entropy()},
            {g.alpha(), s.alpha()}, {g.alphaWeighted(), s.alphaWeighted()}, {g.logAlphaNorm(), s.logAlphaNorm()},
            {g.xmin(), s.xmin()}, {g.d(), s.d()}, {g.sigma(), s.sigma()}};
        String[] names = {"sv_min", "sv_max", "norm", "log_norm", "spectral_norm", "stable_rank", "entropy", "alpha",
            "alpha_weighted", "log_alpha_norm", "xmin", "D", "sigma"};
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i][1] == null) {
                assertThat(pairs[i][0]).as(where + " " + names[i]).isNull();
                continue;
            }
            double want = pairs[i][1];
            double err = want == 0 ? Math.abs(pairs[i][0]) : Math.abs(pairs[i][0] - want) / Math.abs(want);
            assertThat(err).as(where + " " + names[i] + ": " + pairs[i][0] + " vs svd " + want).isLessThanOrEqualTo(SpectralCasesTest.TOLERANCE);
        }
        return g;
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256, 512})
    void randomSquareMatricesGetTheSvdsCounts(int n) {
        Random r = new Random(n);
        for (int round = 0; round < 2; round++) {
            double[] w = new double[n * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() * 0.05);
            }
            SpectralMetrics m = assertSameAsSvd(layer(w, n, n), "random " + n + "²");
            assertThat(m.rankLoss()).isZero();
        }
    }

    /**
     * Full rank, but the smallest eigenvalue (1e-12) is below G's rounding bound (~4n²ε): G returns noise there
     * (its relative error would be ~100%), the certificate proves the rank and power iteration finds σmin.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256, 512})
    void nearlySingularSquareMatricesTakeTheCertifiedPathAndAgreeWithTheSvd(int n) {
        Random r = new Random(100 + n);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = 0.5 + 1.5 * r.nextDouble();
        }
        s[0] = 1e-6;
        s[1] = 3e-6;
        s[2] = 2e-3; // λ = 4e-6: between weak rank's 1e-6 and the fit's 1e-5
        LayerMatrices layer = layer(withSingularValues(s, n, n, r), n, n);
        assertThat(path(layer)).as(n + "²").isEqualTo(GramEigenSolver.Path.CERTIFIED);
        SpectralMetrics m = assertSameAsSvd(layer, "nearly singular " + n + "²");
        assertThat(m.rankLoss()).isZero();
        assertThat(m.matrixRank()).isEqualTo(n);
        assertThat(m.weakRankLoss()).isEqualTo(2);
        assertThat(m.svMin()).isCloseTo(1e-6, org.assertj.core.data.Percentage.withPercentage(1e-4));
    }

    /** Duplicated and zero units: exactly WeightWatcher's rank_loss, through the exact SVD, square and rectangular. */
    @Test
    void rankDeficientMatricesTakeTheExactPath() {
        Random r = new Random(7);
        int[][] shapes = {{96, 96}, {128, 64}, {64, 128}};
        for (int[] shape : shapes) {
            int out = shape[0];
            int in = shape[1];
            double[] w = new double[out * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            if (out <= in) { // the smaller side is the units: unit 1 copies unit 0, unit 2 is zero
                System.arraycopy(w, 0, w, in, in);
                java.util.Arrays.fill(w, 2 * in, 3 * in, 0.0);
            } else { // the inputs: input 5 copies input 4, input 6 is zero
                for (int o = 0; o < out; o++) {
                    w[o * in + 5] = w[o * in + 4];
                    w[o * in + 6] = 0;
                }
            }
            LayerMatrices layer = layer(w, out, in);
            assertThat(path(layer)).as(out + "×" + in).isEqualTo(GramEigenSolver.Path.SVD);
            SpectralMetrics m = assertSameAsSvd(layer, "rank-deficient " + out + "×" + in);
            assertThat(m.rankLoss()).as(out + "×" + in).isEqualTo(2);
        }
    }

    /** Full rank for numpy (σmin above σmax·N·ε) but beyond what the certificate proves: the exact path decides. */
    @Test
    void illConditionedSquareMatricesBeyondTheCertificateTakeTheExactPath() {
        Random r = new Random(11);
        int n = 64;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = 1 + r.nextDouble();
        }
        s[0] = 2e-12; // tolerance 2·64·ε ≈ 2.8e-14
        LayerMatrices layer = layer(withSingularValues(s, n, n, r), n, n);
        assertThat(path(layer)).isEqualTo(GramEigenSolver.Path.SVD);
        SpectralMetrics m = assertSameAsSvd(layer, "ill-conditioned 64²");
        assertThat(m.rankLoss()).isZero();
        assertThat(m.svMin()).isGreaterThan(s[1] * n * EPS);
    }

    @Test
    void anEigenvalueWithinGsErrorOfAThresholdIsNearIt() {
        double e = 1e-9;
        assertThat(GramEigenSolver.nearThreshold(new double[] {1e-8, 1e-6 + 0.5 * e, 2}, e)).isTrue();
        assertThat(GramEigenSolver.nearThreshold(new double[] {1e-8, 1e-5 - 0.5 * e, 2}, e)).isTrue();
        assertThat(GramEigenSolver.nearThreshold(new double[] {1e-8, 1e-6 + 3 * e, 1e-5 - 3 * e, 2}, e)).isFalse();
    }

    /** The certified lower bound never exceeds the true σmin (the SVD's), here on random and nearly singular squares. */
    @Test
    void theLowerBoundIsBelowTheTrueSmallestSingularValue() {
        Random r = new Random(5);
        for (int n : new int[] {32, 100, 256}) {
            double[] w = new double[n * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextGaussian();
            }
            double[] exact = SvdEigenSolver.INSTANCE.eigenvalues(w, n, n);
            double bound;
            try (org.bytedeco.javacpp.DoublePointer a = new org.bytedeco.javacpp.DoublePointer(w);
                 org.bytedeco.javacpp.DoublePointer lu = new org.bytedeco.javacpp.DoublePointer((long) n * n);
                 org.bytedeco.javacpp.DoublePointer xl = new org.bytedeco.javacpp.DoublePointer((long) n * n);
                 org.bytedeco.javacpp.DoublePointer v = new org.bytedeco.javacpp.DoublePointer(n);
                 org.bytedeco.javacpp.IntPointer p = new org.bytedeco.javacpp.IntPointer(n)) {
                bound = SquareCertificate.lowerBound(a, n, new SquareCertificate.Scratch(lu, xl, v, p));
            }
            assertThat(bound).as(n + "²").isPositive().isLessThanOrEqualTo(Math.sqrt(exact[0]));
            assertThat(bound).as(n + "²: not uselessly loose").isGreaterThan(Math.sqrt(exact[0]) / 1e4);
        }
    }
}
