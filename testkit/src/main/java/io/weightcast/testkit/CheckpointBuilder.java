package io.weightcast.testkit;

import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Safetensors checkpoints for tests, as a training loop sends them: metadata in the order given (always written ahead
 * of the tensors, whenever it is added), F32 tensors in the order added, filled by a {@link Fill}. {@link #mlp} and {@link #cnn} are the two networks most tests send; {@link #parts} splits a
 * checkpoint as the clients do for large ones.
 */
public final class CheckpointBuilder {
    private final SafeTensorsWriter writer = new SafeTensorsWriter();

    private CheckpointBuilder() {
    }

    /** A checkpoint with no metadata yet. */
    public static CheckpointBuilder empty() {
        return new CheckpointBuilder();
    }

    /** A checkpoint of {@code run} at {@code step} (metadata {@code run_id}, {@code step}). */
    public static CheckpointBuilder of(String run, long step) {
        return empty().meta("run_id", run).meta("step", Long.toString(step));
    }

    /**
     * The small ReLU MLP of the feature tests: {@code fc1} ({@code rows} × 8, sine weights that move with the step,
     * zero bias) and {@code fc2} (4 × {@code rows}, cosine weights, no bias); metadata {@code planned_steps} 10,
     * {@code activation} relu, {@code framework} test. More metadata may follow: the header lists it first anyway.
     */
    public static CheckpointBuilder mlp(String run, long step, int rows) {
        return of(run, step).meta("planned_steps", "10").meta("activation", "relu").meta("framework", "test")
                .dense("fc1", rows, 8, Fill.sine(step, 0.1), Fill.zeros()).weight("fc2", 4, rows, Fill.cosine(0.2));
    }

    /**
     * The small CNN of the ingest tests: conv1 (16,1,3,3), conv2 (16,16,3,3) and fc (10, {@code fcIn}), each with a
     * bias, all normal draws with sd 0.1 from {@code seed}: about {@code 40·fcIn} bytes in fc.
     */
    public static CheckpointBuilder cnn(long seed, int fcIn) {
        Fill f = Fill.gaussian(new Random(seed), 0.1);
        return empty().conv("conv1", 16, 1, 3, f, f).conv("conv2", 16, 16, 3, f, f).dense("fc", 10, fcIn, f, f);
    }

    public CheckpointBuilder meta(String key, String value) {
        writer.metadata(key, value);
        return this;
    }

    public CheckpointBuilder meta(Map<String, String> values) {
        writer.metadata(values);
        return this;
    }

    /** A tensor of any shape. */
    public CheckpointBuilder tensor(String name, long[] shape, Fill fill) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] values = new double[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = fill.at(i);
        }
        return tensor(name, shape, values);
    }

    /** A tensor with these values. */
    public CheckpointBuilder tensor(String name, long[] shape, double[] values) {
        writer.tensor(name, DType.F32, shape, values);
        return this;
    }

    /** {@code name.weight} ({@code out} × {@code in}) without a bias. */
    public CheckpointBuilder weight(String name, int out, int in, Fill weights) {
        return tensor(name + ".weight", new long[] {out, in}, weights);
    }

    /** {@code name.weight} ({@code out} × {@code in}) and {@code name.bias} ({@code out}), in that order. */
    public CheckpointBuilder dense(String name, int out, int in, Fill weights, Fill bias) {
        return weight(name, out, in, weights).tensor(name + ".bias", new long[] {out}, bias);
    }

    /** {@code name.weight} ({@code out}, {@code in}, k, k) and {@code name.bias} ({@code out}), in that order. */
    public CheckpointBuilder conv(String name, int out, int in, int k, Fill weights, Fill bias) {
        return tensor(name + ".weight", new long[] {out, in, k, k}, weights).tensor(name + ".bias", new long[] {out}, bias);
    }

    /** The file. */
    public byte[] bytes() {
        return writer.toBytes();
    }

    /** The file split into parts of at most {@code maxPartBytes}, as {@link CheckpointParts#split} sends it. */
    public List<byte[]> parts(int maxPartBytes) {
        return CheckpointParts.split(bytes(), maxPartBytes);
    }
}
