package io.weightcast.bench;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.LayerSpectrum;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.PowerLawFit;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The power-law fit alone on the 54 ResNet-50 spectra (44,539 eigenvalues, up to 4,608 in a layer):
 * WeightWatcher's fit takes 3.1 s on its resnet50 (timings.json {@code wwfit_only}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class XminScanBenchmark {
    List<double[]> spectra;
    ForkJoinPool pool;
    double threshold = SpectralOptions.DEFAULTS.fitThreshold();

    @Setup
    public void spectra() {
        NativeBlas.threads(2);
        spectra = new SpectralAnalyzer().analyze(SafeTensors.read(Checkpoints.resnet50(50))).layers().stream()
                .map(LayerSpectrum::eigenvalues).toList();
        pool = new ForkJoinPool(2);
    }

    @TearDown
    public void stop() {
        pool.shutdown();
    }

    @Benchmark
    public void prunedScan(Blackhole bh) {
        for (double[] s : spectra) {
            bh.consume(PowerLawFit.fit(s, threshold));
        }
    }

    @Benchmark
    public void prunedScanCandidatesInParallel(Blackhole bh) {
        for (double[] s : spectra) {
            bh.consume(PowerLawFit.fit(s, threshold, pool));
        }
    }

    /** WeightWatcher's quadratic loop, in Java: what the pruning saves. */
    @Benchmark
    public void quadraticScan(Blackhole bh) {
        for (double[] s : spectra) {
            bh.consume(QuadraticFit.fit(s, threshold));
        }
    }
}
