package io.weightcast.bench;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralReport;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spectral metrics of one zoo checkpoint (digits CNN, 4,970 parameters: conv1 is skipped as
 * WeightWatcher skips it, conv2/conv3/dense are fitted): the per-checkpoint cost in the stream.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class DigitsCnnBenchmark {
    byte[] bytes;

    @Setup
    public void generate() {
        bytes = Checkpoints.digitsCnn(7);
        NativeBlas.threads(1);
    }

    @Benchmark
    public SpectralReport digitsCnn() {
        return new SpectralAnalyzer().analyze(SafeTensors.read(bytes));
    }
}
