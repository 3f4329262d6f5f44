package io.weightcast.bench;

import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.features.CheckpointFeatures;
import io.weightcast.core.safetensors.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-layer statistics, norms, dead units and non-finite counts of a whole checkpoint (core's
 * {@link CheckpointAnalyzer}, what {@code analyze} calls "statistics" and the stream computes per
 * checkpoint), from safetensors bytes, on one thread, in checkpoints per second: times the data section
 * (102.2 MB for ResNet-50) for bytes per second. {@code reference} is the sort-based
 * code of before issue 24 on the same bytes ({@link ReferenceStatistics}).
 *
 * <p>{@code -p checkpoint=FILE} analyses a file (e.g. the torchvision ResNet-50 that
 * {@code bench/stats-vs-numpy.py} writes); empty (the default) a generated random-init ResNet-50
 * ({@link Checkpoints#resnet50}, 25.5 M F32 weights, no BatchNorm tensors).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Benchmark)
public class StatisticsBenchmark {
    @Param("")
    public String checkpoint;

    byte[] bytes;

    @Setup
    public void load() {
        try {
            bytes = checkpoint.isEmpty() ? Checkpoints.resnet50(50) : Files.readAllBytes(Path.of(checkpoint));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public CheckpointFeatures statistics() {
        return CheckpointAnalyzer.analyze(SafeTensors.read(bytes), "relu");
    }

    @Benchmark
    public Object reference() {
        return ReferenceStatistics.analyze(SafeTensors.read(bytes));
    }
}
