package io.weightcast.bench;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralReport;
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

/**
 * Spectral metrics of a whole ResNet-50 checkpoint (random torchvision-init weights, 54 layers,
 * 230 matrices, 44,539 eigenvalues), from safetensors bytes to the per-layer metrics, as
 * WeightWatcher's {@code analyze()} goes from the model to its details table. Compare with
 * {@code ../shared/data/ww/timings.json}: WeightWatcher 8.0 s single-thread, 10.1 s with 2 threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class ResNet50Benchmark {

    @State(Scope.Benchmark)
    public static class Weights {
        byte[] bytes;

        @Setup
        public void generate() {
            bytes = Checkpoints.resnet50(50);
        }
    }

    /** Everything on one core: one OpenBLAS thread, layers one after another (WeightWatcher's single_thread mode). */
    @State(Scope.Benchmark)
    public static class OneThread {
        @Setup
        public void configure() {
            NativeBlas.threads(1);
        }
    }

    /** Two cores: two layers at a time, one OpenBLAS thread each. */
    @State(Scope.Benchmark)
    public static class TwoLayerWorkers {
        ForkJoinPool pool;

        @Setup
        public void configure() {
            NativeBlas.threads(1);
            pool = new ForkJoinPool(2);
        }

        @TearDown
        public void stop() {
            pool.shutdown();
        }
    }

    /** Two cores the way WeightWatcher's default run uses them: layers one after another, OpenBLAS on 2 threads. */
    @State(Scope.Benchmark)
    public static class TwoBlasThreads {
        @Setup
        public void configure() {
            NativeBlas.threads(2);
        }
    }

    @Benchmark
    public SpectralReport singleThread(Weights weights, OneThread config) {
        return new SpectralAnalyzer().analyze(SafeTensors.read(weights.bytes));
    }

    @Benchmark
    public SpectralReport twoThreadsLayersInParallel(Weights weights, TwoLayerWorkers config) {
        return new SpectralAnalyzer().analyze(SafeTensors.read(weights.bytes), config.pool);
    }

    @Benchmark
    public SpectralReport twoThreadsInBlas(Weights weights, TwoBlasThreads config) {
        return new SpectralAnalyzer().analyze(SafeTensors.read(weights.bytes));
    }
}
