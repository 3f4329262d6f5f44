package io.weightcast.core.spectral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class SpectralAnalyzerTest {

    static double[] gaussian(Random r, int count, double std) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }

    /** A Linear [64,32] whose 32 inputs are 16 pairs of equal columns: rank 16, as dead/duplicated units give. */
    static double[] duplicatedColumns(Random r) {
        double[] w = new double[64 * 32];
        for (int o = 0; o < 64; o++) {
            for (int c = 0; c < 16; c++) {
                double v = (float) r.nextGaussian();
                w[o * 32 + c] = v;
                w[o * 32 + c + 16] = v;
            }
        }
        return w;
    }

    @Test
    void rankLossOfADegenerateLayerIsExactAsWithAnSvd() {
        double[] w = duplicatedColumns(new Random(1));
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter().tensor("fc.weight", DType.F32, new long[] {64, 32}, w).toBytes());
        SpectralMetrics gram = new SpectralAnalyzer().analyze(file).metrics("fc");
        SpectralMetrics svd = new SpectralAnalyzer(SpectralOptions.DEFAULTS, EigenSolver.svd()).analyze(file).metrics("fc");
        assertThat(gram.rankLoss()).isEqualTo(16);
        assertThat(gram.matrixRank()).isEqualTo(16);
        assertThat(gram.weakRankLoss()).isEqualTo(16);
        assertThat(gram.status()).isEqualTo(SpectralStatus.SUCCESS);
        // the Gram solver handed this matrix to dgesvd, so every number is the SVD's
        assertThat(gram).isEqualTo(svd);
    }

    /** Widened dtypes (BF16, FP8) give the spectra of their exact float values stored as F32. */
    @Test
    void bf16AndFp8LayersGiveTheSpectraOfTheirF32Values() {
        Random r = new Random(4);
        double[] w = gaussian(r, 48 * 32, 0.1);
        SafeTensors bf16 = SafeTensors.read(new SafeTensorsWriter().tensor("fc.weight", DType.BF16, new long[] {48, 32}, w).toBytes());
        byte[] fp8 = new byte[w.length];
        for (int i = 0; i < fp8.length; i++) {
            fp8[i] = (byte) r.nextInt(0x7f); // positive E4M3 values below NaN (0x7f)
        }
        SafeTensors e4m3 = SafeTensors.read(new SafeTensorsWriter().raw("fc.weight", DType.F8_E4M3, new long[] {48, 32}, fp8).toBytes());
        for (SafeTensors widened : List.of(bf16, e4m3)) {
            SafeTensors f32 = SafeTensors.read(new SafeTensorsWriter().tensor("fc.weight", DType.F32, new long[] {48, 32},
                    widened.values("fc.weight")).toBytes());
            assertThat(new SpectralAnalyzer().analyze(widened).metrics("fc")).isEqualTo(new SpectralAnalyzer().analyze(f32).metrics("fc"));
        }
    }

    @Test
    void gramAndSvdSolversAgreeOnWellConditionedMatrices() {
        Random r = new Random(2);
        for (int[] shape : new int[][] {{300, 200}, {200, 300}, {64, 64}, {1000, 17}}) {
            double[] a = gaussian(r, shape[0] * shape[1], 0.1);
            double[] gram = EigenSolver.gram().eigenvalues(a, shape[0], shape[1]);
            double[] svd = EigenSolver.svd().eigenvalues(a, shape[0], shape[1]);
            assertThat(gram).hasSize(Math.min(shape[0], shape[1]));
            for (int i = 0; i < gram.length; i++) {
                assertThat(gram[i]).as(shape[0] + "x" + shape[1] + " λ" + i).isCloseTo(svd[i], within(1e-12 * svd[svd.length - 1]));
            }
        }
    }

    @Test
    void parallelLayersGiveTheSequentialNumbers() {
        Random r = new Random(3);
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.tensor("conv1.weight", DType.F32, new long[] {32, 3, 3, 3}, gaussian(r, 32 * 27, 0.2));
        w.tensor("conv2.weight", DType.F32, new long[] {64, 32, 3, 3}, gaussian(r, 64 * 32 * 9, 0.06));
        w.tensor("fc.weight", DType.F32, new long[] {600, 512}, gaussian(r, 600 * 512, 0.04));
        w.tensor("fc.bias", DType.F32, new long[] {600}, gaussian(r, 600, 0.1));
        SafeTensors file = SafeTensors.read(w.toBytes());
        SpectralReport sequential = new SpectralAnalyzer().analyze(file);
        ForkJoinPool pool = new ForkJoinPool(3);
        try {
            SpectralReport parallel = new SpectralAnalyzer().analyze(file, pool);
            assertThat(parallel.metrics()).isEqualTo(sequential.metrics());
            assertThat(parallel.metrics().keySet()).containsExactly("conv1", "conv2", "fc");
            // one layer, its slices and xmin candidates over the pool
            LayerSpectrum conv2 = new SpectralAnalyzer().layer(file, "conv2", file.tensor("conv2.weight"), pool);
            assertThat(conv2.metrics()).isEqualTo(sequential.metrics("conv2"));
            assertThat(conv2.eigenvalues()).isEqualTo(sequential.layers().get(1).eigenvalues());
        } finally {
            pool.shutdown();
        }
        assertThat(sequential.fitted()).hasSize(3);
        assertThat(sequential.metrics("conv2").numEvals()).isEqualTo(32 * 9);
    }

    @Test
    void aBatchOfLayersGivesWhatTheWholeAnalysisGivesForThem() {
        Random r = new Random(6);
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .tensor("a.weight", DType.F32, new long[] {40, 30}, gaussian(r, 1200, 0.1))
                .tensor("b.weight", DType.F32, new long[] {200, 100}, gaussian(r, 20000, 0.1))
                .tensor("c.weight", DType.F32, new long[] {16, 8, 3, 3}, gaussian(r, 16 * 72, 0.1))
                .toBytes());
        SpectralAnalyzer analyzer = new SpectralAnalyzer(SpectralOptions.DEFAULTS.withMinEvals(4));
        SpectralReport whole = analyzer.analyze(file);
        var order = analyzer.largestFirst(file);
        assertThat(order).extracting(l -> l.name()).containsExactly("b", "a", "c");
        assertThat(analyzer.flops(order.get(0))).isEqualTo(200.0 * 100 * 100 + 4.0 / 3 * 100 * 100 * 100);
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            var batch = analyzer.layers(file, order.subList(1, 3), pool);
            assertThat(batch.keySet()).containsExactly("a", "c");
            assertThat(batch.get("a").metrics()).isEqualTo(whole.metrics("a"));
            assertThat(batch.get("c").metrics()).isEqualTo(whole.metrics("c"));
            assertThat(analyzer.layers(file, order.subList(0, 1), null).get("b").metrics()).isEqualTo(whole.metrics("b"));
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aLayerAboveTheNativeMemoryCapIsSkippedWithTheReasonBeforeAnyAllocation() {
        // 50000×15000 (WeightWatcher's largest N and M): 7.8 GB of float64 slices and Gram matrix; its data is never read
        TensorInfo huge = new TensorInfo("huge.weight", DType.F32, new long[] {50_000, 15_000}, 0, 4L * 50_000 * 15_000);
        assertThat(SpectralAnalyzer.nativeBytes(new long[] {50_000, 15_000, 1})).isGreaterThan(7_800_000_000L)
                .isGreaterThan(org.bytedeco.javacpp.Pointer.maxBytes());
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter().tensor("x.weight", DType.F32, new long[] {2, 2},
                new double[4]).toBytes());
        LayerSpectrum s = new SpectralAnalyzer().layer(file, "huge", huge, null);
        assertThat(s.metrics().status()).isEqualTo(SpectralStatus.SKIPPED);
        assertThat(s.metrics().reason()).contains("native memory", "org.bytedeco.javacpp.maxbytes");
    }

    @Test
    void badLayersGetAReasonNotANumber() {
        Random r = new Random(4);
        double[] withNan = gaussian(r, 20 * 20, 0.1);
        withNan[7] = Double.NaN;
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .tensor("nan.weight", DType.F32, new long[] {20, 20}, withNan)
                .tensor("zero.weight", DType.F32, new long[] {20, 20}, new double[400])
                .tensor("conv1d.weight", DType.F32, new long[] {8, 4, 3}, gaussian(r, 96, 0.1))
                .tensor("huge.weight", DType.F32, new long[] {2, 20000}, new double[40000])
                .toBytes());
        SpectralReport report = new SpectralAnalyzer().analyze(file);
        assertThat(report.metrics("nan").status()).isEqualTo(SpectralStatus.NO_FIT);
        assertThat(report.metrics("nan").reason()).contains("1 non-finite");
        SpectralMetrics zero = report.metrics("zero");
        assertThat(zero.status()).isEqualTo(SpectralStatus.NO_FIT);
        assertThat(zero.reason()).contains("0 eigenvalue(s) above 1.0E-5");
        assertThat(zero.alpha()).isNull();
        assertThat(zero.logNorm()).isNull();
        assertThat(zero.numEvals()).isEqualTo(20);
        assertThat(zero.rankLoss()).isEqualTo(20);
        assertThat(report.metrics("conv1d").status()).isEqualTo(SpectralStatus.SKIPPED);
        assertThat(report.metrics("conv1d").reason()).contains("kernel rank 3");
        assertThat(report.metrics("huge").reason()).isEqualTo("2 eigenvalues (M·rf = 2·1) < min evals 10");
        SpectralReport wide = new SpectralAnalyzer(new SpectralOptions(1, 15000, 10000, 1e-5, 1e-6)).analyze(file);
        assertThat(wide.metrics("huge").reason()).isEqualTo("N = 20000 > max N 10000");
    }

    @Test
    void jsonUsesWeightWatchersColumnNames() {
        Random r = new Random(5);
        SafeTensors file = SafeTensors.read(new SafeTensorsWriter()
                .tensor("fc.weight", DType.F32, new long[] {40, 30}, gaussian(r, 1200, 0.2)).toBytes());
        JsonNode json = Json.MAPPER.valueToTree(new SpectralAnalyzer().analyze(file).metrics("fc"));
        for (String column : List.of("N", "M", "D", "rf", "alpha", "alpha_weighted", "log_norm", "log_spectral_norm",
                "log_alpha_norm", "stable_rank", "xmin", "xmax", "sigma", "num_evals", "num_pl_spikes", "rank_loss",
                "matrix_rank", "weak_rank_loss", "sv_max", "sv_min", "entropy", "warning", "layer_type", "status")) {
            assertThat(json.has(column)).as(column).isTrue();
        }
        assertThat(json.get("layer_type").asText()).isEqualTo("dense");
        assertThat(json.get("N").asInt()).isEqualTo(40);
        assertThat(json.has("n")).isFalse();
    }

    @Test
    void conv2dSlicesAreScaledInFloat32() {
        // one weight whose float32 and float64 scalings by √½ differ
        double w = 0.1f;
        LayerMatrices m = LayerMatrices.of("c", new long[] {1, 1, 1, 1}, new double[] {w}, false);
        assertThat(m.slices().get(0)[0]).isEqualTo((double) ((float) w * (float) Math.sqrt(0.5)));
        assertThat(m.slices().get(0)[0]).isNotEqualTo(w * Math.sqrt(0.5));
        // [out=2,in=3,kh=1,kw=2]: slice j holds W[:,:,0,j] as Wᵀ, column-major in×out
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        LayerMatrices c = LayerMatrices.of("c", new long[] {2, 3, 1, 2}, v, true);
        assertThat(c.rf()).isEqualTo(2);
        assertThat(c.n()).isEqualTo(3);
        assertThat(c.m()).isEqualTo(2);
        double s = Math.sqrt(0.5);
        assertThat(c.slices().get(1)).containsExactly(2 * s, 4 * s, 6 * s, 8 * s, 10 * s, 12 * s);
    }

    @Test
    void aSpectrumThatCannotBeTheMatrixsIsRejectedWithTheFix() {
        assertThatThrownBy(() -> EigenSolver.checkTrace(new double[] {1, 2, 3}, 9.0, 0, "dgesvd", 3, 3))
                .isInstanceOf(InconsistentSpectrumException.class)
                .hasMessageContaining("Σλ = 6.0").hasMessageContaining("OPENBLAS_CORETYPE=Haswell");
        assertThatThrownBy(() -> EigenSolver.checkTrace(new double[] {-1, 4, 6}, 9.0, 1e-3, "dsyrk+dsyev", 3, 3))
                .isInstanceOf(InconsistentSpectrumException.class).hasMessageContaining("eigenvalue -1.0");
        EigenSolver.checkTrace(new double[] {1, 2, 6}, 9.0 * (1 + 1e-12), 0, "dgesvd", 3, 3);
    }
}
