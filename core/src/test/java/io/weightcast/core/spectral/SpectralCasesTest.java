package io.weightcast.core.spectral;

import io.weightcast.core.features.PairwiseSum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric of every layer WeightWatcher 0.7.5.5 analysed in {@code ../shared/data/ww}, equal to
 * its number: relative error ≤ 1e-3 for real values (the achieved maxima are printed, ~1e-9), exact
 * for counts and strings.
 */
class SpectralCasesTest {
    static final double TOLERANCE = 1e-3;
    static final List<String> REAL = List.of("alpha", "alpha_weighted", "log_norm", "log_spectral_norm", "log_alpha_norm",
            "stable_rank", "norm", "spectral_norm", "xmin", "xmax", "D", "sigma", "sv_max", "sv_min", "entropy");
    static final List<String> EXACT = List.of("N", "M", "rf", "num_evals", "num_pl_spikes", "rank_loss", "matrix_rank",
            "weak_rank_loss", "layer_type", "warning", "status");
    /** Metric → largest relative error seen, for the report. */
    static final Map<String, Double> MAX_ERROR = new TreeMap<>();

    @AfterAll
    static void printErrors() {
        System.out.println("max relative error per metric vs WeightWatcher: " + MAX_ERROR);
    }

    @Test
    void everyLayerOfEveryCaseMatchesWeightWatcher() {
        int layersChecked = 0;
        for (Map.Entry<String, JsonNode> c : WwCases.expected().entrySet()) {
            SafeTensors file = WwCases.weights(c.getValue());
            if (file == null) {
                continue;
            }
            SpectralReport report = new SpectralAnalyzer().analyze(file);
            Map<String, SpectralMetrics> ours = report.metrics();
            Set<String> inFile = new TreeSet<>(CheckpointTopology.of(file).layers().stream().map(CheckpointTopology.Layer::name).toList());
            Set<String> expectedHere = new TreeSet<>();
            for (JsonNode row : WwCases.details(c.getValue(), "details")) {
                String layer = row.get("longname").asText();
                if (!inFile.contains(layer)) {
                    continue; // f_resnet18's file holds 6 of its 21 layers
                }
                expectedHere.add(layer);
                compare(c.getKey() + "/" + layer, row, ours.get(layer));
                layersChecked++;
            }
            Set<String> fitted = new TreeSet<>(report.fitted().stream().map(SpectralMetrics::name).toList());
            assertThat(fitted).as(c.getKey() + ": the layers WeightWatcher analysed").isEqualTo(expectedHere);
        }
        assertThat(layersChecked).isEqualTo(1 + 2 + 1 + 3 + 6);
    }

    @Test
    void layersWeightWatcherSkipsSayWhy() {
        Map<String, JsonNode> cases = WwCases.expected();
        SpectralMetrics tiny = new SpectralAnalyzer().analyze(WwCases.weights(cases.get("c_tiny_linear_8x8"))).metrics("layer1");
        assertThat(tiny.status()).isEqualTo(SpectralStatus.SKIPPED);
        assertThat(tiny.reason()).contains("8 eigenvalues").contains("min evals 10");
        assertThat(tiny.alpha()).isNull();
        assertThat(tiny.numEvals()).isNull();
        SpectralMetrics conv1 = new SpectralAnalyzer().analyze(WwCases.weights(cases.get("e_small_cnn"))).metrics("conv1");
        assertThat(conv1.status()).isEqualTo(SpectralStatus.SKIPPED);
        assertThat(conv1.reason()).contains("9 eigenvalues");
        assertThat(Json.string(tiny)).contains("\"status\":\"skipped\"").contains("\"alpha\":null");
    }

    @Test
    void tinyLayerWithMinEvalsOneMatchesItsVariant() {
        JsonNode c = WwCases.expected().get("c_tiny_linear_8x8");
        SpectralReport report = new SpectralAnalyzer(SpectralOptions.DEFAULTS.withMinEvals(1)).analyze(WwCases.weights(c));
        JsonNode row = c.get("details_min_evals_1").get(0);
        compare("c_tiny_linear_8x8[min_evals=1]/layer1", row, report.metrics("layer1"));
        double[] expected = WwCases.evalsOf(c.get("evals_min_evals_1")).get("layer1");
        assertEigenvalues("c_tiny/layer1", report.layers().get(0).eigenvalues(), expected);
    }

    @Test
    void eigenvaluesEqualWeightWatchers() {
        for (Map.Entry<String, JsonNode> c : WwCases.expected().entrySet()) {
            SafeTensors file = WwCases.weights(c.getValue());
            if (file == null) {
                continue;
            }
            Map<String, double[]> expected = WwCases.evals(c.getKey());
            for (LayerSpectrum layer : new SpectralAnalyzer().analyze(file).layers()) {
                if (layer.metrics().fitted()) {
                    assertThat(expected).as(c.getKey()).containsKey(layer.name());
                    assertEigenvalues(c.getKey() + "/" + layer.name(), layer.eigenvalues(), expected.get(layer.name()));
                }
            }
        }
    }

    /** The fit alone on WeightWatcher's own eigenvalues, every layer of every case (resnet18's 21, resnet50's 54). */
    @Test
    void powerLawFitOnWeightWatchersEigenvaluesReproducesItsFit() {
        int layers = 0;
        for (Map.Entry<String, JsonNode> c : WwCases.expected().entrySet()) {
            Map<String, double[]> evals = WwCases.evals(c.getKey());
            for (JsonNode row : WwCases.details(c.getValue(), "details")) {
                String name = row.get("longname").asText();
                double[] ev = evals.get(name);
                int n = row.get("N").asInt();
                PowerLawFit fit = PowerLawFit.fit(ev, SpectralOptions.DEFAULTS.fitThreshold());
                String where = c.getKey() + "/" + name + " (from evals.json)";
                // Same eigenvalues in, so xmin is the very same double and the spike count the same integer.
                assertThat(fit.xmin()).as(where + " xmin").isEqualTo(row.get("xmin").doubleValue());
                assertThat(fit.numPlSpikes()).as(where + " num_pl_spikes").isEqualTo(row.get("num_pl_spikes").asInt());
                close(where, "alpha", fit.alpha(), row.get("alpha").doubleValue());
                close(where, "D", fit.D(), row.get("D").doubleValue());
                close(where, "sigma", fit.sigma(), row.get("sigma").doubleValue());
                close(where, "xmax", fit.xmax(), row.get("xmax").doubleValue());
                close(where, "log_alpha_norm", Math.log10(sumPow(ev, fit.alpha())), row.get("log_alpha_norm").doubleValue());
                close(where, "log_norm", Math.log10(PairwiseSum.sum(ev)), row.get("log_norm").doubleValue());
                assertThat(SpectralMetrics.matrixRank(ev, n)).as(where + " matrix_rank").isEqualTo(row.get("matrix_rank").asInt());
                assertThat(SpectralMetrics.weakRankLoss(ev, 1e-6)).as(where + " weak_rank_loss").isEqualTo(row.get("weak_rank_loss").asInt());
                close(where, "entropy", SpectralMetrics.entropy(ev, n), row.get("entropy").doubleValue());
                assertThat(SpectralMetrics.warning(fit.alpha())).as(where + " warning").isEqualTo(row.get("warning").asText());
                layers++;
            }
        }
        assertThat(layers).isEqualTo(1 + 2 + 1 + 3 + 21 + 54);
    }

    /** The dgesvd solver (WeightWatcher's method), the Gram solver's fallback, matches too. */
    @Test
    void theSvdSolverAgreesWithWeightWatcherToo() {
        JsonNode c = WwCases.expected().get("f_resnet18_random");
        SafeTensors file = WwCases.weights(c);
        Map<String, double[]> expected = WwCases.evals("f_resnet18_random");
        SpectralReport svd = new SpectralAnalyzer(SpectralOptions.DEFAULTS, EigenSolver.svd()).analyze(file);
        assertThat(svd.layers()).hasSize(6);
        for (LayerSpectrum layer : svd.layers()) {
            assertEigenvalues("svd " + layer.name(), layer.eigenvalues(), expected.get(layer.name()));
            for (JsonNode row : WwCases.details(c, "details")) {
                if (row.get("longname").asText().equals(layer.name())) {
                    compare("svd " + layer.name(), row, layer.metrics());
                }
            }
        }
    }

    static void compare(String where, JsonNode expected, SpectralMetrics actual) {
        if (actual == null) {
            fail(where + ": no metrics");
        }
        JsonNode ours = Json.MAPPER.valueToTree(actual);
        for (String metric : REAL) {
            JsonNode e = expected.get(metric);
            JsonNode a = ours.get(metric);
            if (a == null || a.isNull()) {
                fail(where + ": " + metric + " missing, WeightWatcher has " + e);
            }
            close(where, metric, a.doubleValue(), e.doubleValue());
        }
        close(where, "lambda_max", ours.get("spectral_norm").doubleValue(), expected.get("lambda_max").doubleValue());
        for (String metric : EXACT) {
            assertThat(ours.get(metric).asText()).as(where + " " + metric).isEqualTo(expected.get(metric).asText());
        }
    }

    static void close(String where, String metric, double actual, double expected) {
        double err = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
        MAX_ERROR.merge(metric, err, Math::max);
        assertThat(err).as(where + " " + metric + ": ours " + actual + ", WeightWatcher " + expected).isLessThanOrEqualTo(TOLERANCE);
    }

    /**
     * Eigenvalue by eigenvalue: relative error ≤ 1e-6 (achieved ~1e-9) for the ones the fit uses (above
     * 1e-5), and within 1e-12·λmax for the tiny ones, whose absolute size is all the metrics use.
     */
    static void assertEigenvalues(String where, double[] actual, double[] expected) {
        assertThat(actual).as(where + " count").hasSize(expected.length);
        double max = expected[expected.length - 1];
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (expected[i] > 1e-5) {
                worst = Math.max(worst, diff / expected[i]);
                assertThat(diff / expected[i]).as(where + " λ[" + i + "] " + actual[i] + " vs " + expected[i]).isLessThanOrEqualTo(1e-6);
            } else {
                assertThat(diff).as(where + " λ[" + i + "] " + actual[i] + " vs " + expected[i]).isLessThanOrEqualTo(1e-12 * max);
            }
        }
        MAX_ERROR.merge("eigenvalue(>1e-5)", worst, Math::max);
    }

    static double sumPow(double[] ev, double alpha) {
        double[] p = new double[ev.length];
        for (int i = 0; i < ev.length; i++) {
            p[i] = Math.pow(ev[i], alpha);
        }
        return PairwiseSum.sum(p);
    }
}
