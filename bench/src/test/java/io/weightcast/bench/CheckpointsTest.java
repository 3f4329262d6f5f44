package io.weightcast.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.PowerLawFit;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralMetrics;
import io.weightcast.core.spectral.SpectralReport;
import io.weightcast.core.spectral.SpectralStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointsTest {

    static Path ww() {
        Path dir = Path.of(System.getProperty("weightcast.projectRoot")).resolve("../shared/data/ww/expected").normalize();
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("WeightWatcher reference data missing: " + dir);
        }
        return dir;
    }

    /** The benchmark's ResNet-50 has exactly the layers and shapes of WeightWatcher's resnet50 run. */
    @Test
    void resnet50ShapesAreWeightWatchersResnet50() throws Exception {
        JsonNode info = new ObjectMapper().readTree(ww().resolve("resnet50_random.json").toFile()).get("layer_info");
        List<String> expected = new ArrayList<>();
        info.forEach(l -> expected.add(l.get("longname").asText() + Arrays.toString(new ObjectMapper().convertValue(l.get("weight_shape"), long[].class))));
        List<String> ours = new ArrayList<>();
        Checkpoints.resnet50Shapes().forEach((name, shape) -> ours.add(name + Arrays.toString(shape)));
        assertThat(ours).hasSize(54).isEqualTo(expected);
    }

    @Test
    void digitsCnnIsTheZoosNet() {
        Map<String, SpectralMetrics> m = new SpectralAnalyzer().analyze(SafeTensors.read(Checkpoints.digitsCnn(7))).metrics();
        assertThat(m.keySet()).containsExactly("conv1", "conv2", "conv3", "dense");
        assertThat(m.get("conv1").status()).isEqualTo(SpectralStatus.SKIPPED);
        assertThat(m.get("conv2").fitted()).isTrue();
        assertThat(m.get("dense").numEvals()).isEqualTo(10);
        long params = Checkpoints.digitsCnnShapes().values().stream().mapToLong(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b) + s[0]).sum();
        assertThat(params).isEqualTo(4970);
    }

    /** The quadratic baseline computes the same fit as the pruned scan, so the benchmark compares equal work. */
    @Test
    void quadraticBaselineAgreesWithThePrunedScan() {
        SpectralReport report = new SpectralAnalyzer().analyze(SafeTensors.read(Checkpoints.digitsCnn(3)));
        List<double[]> spectra = new ArrayList<>();
        report.layers().stream().filter(l -> l.metrics().fitted()).forEach(l -> spectra.add(l.eigenvalues()));
        java.util.Random r = new java.util.Random(9);
        double[] big = new double[2000];
        for (int i = 0; i < big.length; i++) {
            big[i] = Math.pow(r.nextGaussian(), 2) + (r.nextDouble() < 0.02 ? 10 * r.nextDouble() : 0);
        }
        Arrays.sort(big);
        spectra.add(big);
        for (double[] s : spectra) {
            double[] q = QuadraticFit.fit(s, 1e-5);
            PowerLawFit fit = PowerLawFit.fit(s, 1e-5);
            assertThat(q[1]).isEqualTo(fit.xmin());
            assertThat(q[0]).isCloseTo(fit.alpha(), within(1e-9 * fit.alpha()));
            assertThat(q[2]).isCloseTo(fit.D(), within(1e-9));
        }
    }
}
