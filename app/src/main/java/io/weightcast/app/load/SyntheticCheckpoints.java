package io.weightcast.app.load;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checkpoints for the load harness, written with core's {@link SafeTensorsWriter} in PyTorch layout.
 *
 * <p>The default is the digits CNN of the demo zoo (design §7: 3 conv × 16 filters 3×3 + dense to 10,
 * 4,970 F32 parameters). Weights are PyTorch's default init (uniform ±1/√fan_in, the bound
 * {@code kaiming_uniform_(a=√5)} gives) drawn once per run, then drifting with the step the way
 * trained weights grow and wander, so every (run, step) is a distinct, plausible file.
 *
 * <p>With a parameter count above the CNN's, the file is a stack of square linear layers (plus a
 * 10-way head) of about that many parameters, for the large-checkpoint case: at 25M parameters it
 * is ~100 MB, which the SDK and the gateway split into record-sized parts. Its tensor bytes are drawn
 * once and reused for every step (only the metadata changes): generating 100 MB of fresh randoms per
 * checkpoint would make the harness, not the pipeline, the bottleneck.
 */
public final class SyntheticCheckpoints {
    public static final int PLANNED_STEPS = 18;
    public static final String ACTIVATION = "relu";
    public static final String FRAMEWORK = "bench";

    /** One tensor of the layout. */
    public record Tensor(String name, long[] shape, int fanIn) {
        long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final List<Tensor> DIGITS_CNN = List.of(
            new Tensor("conv1.weight", new long[] {16, 1, 3, 3}, 9),
            new Tensor("conv1.bias", new long[] {16}, 9),
            new Tensor("conv2.weight", new long[] {16, 16, 3, 3}, 144),
            new Tensor("conv2.bias", new long[] {16}, 144),
            new Tensor("conv3.weight", new long[] {16, 16, 3, 3}, 144),
            new Tensor("conv3.bias", new long[] {16}, 144),
            new Tensor("dense.weight", new long[] {10, 16}, 16),
            new Tensor("dense.bias", new long[] {10}, 16));

    public static final long DIGITS_CNN_PARAMS = DIGITS_CNN.stream().mapToLong(Tensor::count).sum();

    private final List<Tensor> layout;
    private final long seed;
    private final boolean large;
    private final Map<String, float[][]> runInit = new ConcurrentHashMap<>();
    private volatile List<byte[]> largeBytes;

    private SyntheticCheckpoints(List<Tensor> layout, long seed, boolean large) {
        this.layout = layout;
        this.seed = seed;
        this.large = large;
    }

    /** The digits CNN for {@code params} ≤ 4,970, else square linear layers totalling about {@code params}. */
    public static SyntheticCheckpoints of(long params, long seed) {
        if (params <= DIGITS_CNN_PARAMS) {
            return new SyntheticCheckpoints(DIGITS_CNN, seed, false);
        }
        return new SyntheticCheckpoints(linearStack(params), seed, true);
    }

    /** Three square layers n×n (+ bias) and a head [10, n]: n chosen so the total is about {@code params}. */
    static List<Tensor> linearStack(long params) {
        int layers = 3;
        int n = Math.max(16, (int) Math.floor(Math.sqrt(params / (double) layers)));
        if ((long) n * n * 4 > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("--params " + params + " makes one tensor larger than a Java array; use at most ~1.5e9");
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 1; i <= layers; i++) {
            out.add(new Tensor("fc" + i + ".weight", new long[] {n, n}, n));
            out.add(new Tensor("fc" + i + ".bias", new long[] {n}, n));
        }
        out.add(new Tensor("head.weight", new long[] {10, n}, n));
        out.add(new Tensor("head.bias", new long[] {10}, n));
        return List.copyOf(out);
    }

    public List<Tensor> layout() {
        return layout;
    }

    public long parameters() {
        return layout.stream().mapToLong(Tensor::count).sum();
    }

    /** The checkpoint of {@code runId} at {@code step}, metadata included (run_id, step, planned_steps, activation, framework). */
    public byte[] checkpoint(String runId, long step) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(metadata(runId, step));
        if (large) {
            List<byte[]> bytes = largeBytes();
            for (int i = 0; i < layout.size(); i++) {
                Tensor t = layout.get(i);
                w.raw(t.name(), DType.F32, t.shape(), bytes.get(i));
            }
            return w.toBytes();
        }
        float[][] init = runInit.computeIfAbsent(runId, r -> draw(seed ^ r.hashCode()));
        SplittableRandom noise = new SplittableRandom(seed ^ runId.hashCode() * 31L ^ step);
        // Trained weights grow slowly in scale and wander away from init.
        double growth = 1 + 0.08 * Math.log1p(step);
        for (int i = 0; i < layout.size(); i++) {
            Tensor t = layout.get(i);
            float[] w0 = init[i];
            float[] v = new float[w0.length];
            double wander = 0.15 * Math.sqrt(step) / Math.sqrt(t.fanIn());
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) (w0[j] * growth + wander * noise.nextGaussian());
            }
            w.tensor(t.name(), t.shape(), v);
        }
        return w.toBytes();
    }

    private static Map<String, String> metadata(String runId, long step) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("step", Long.toString(step));
        m.put("planned_steps", Integer.toString(PLANNED_STEPS));
        m.put("activation", ACTIVATION);
        m.put("framework", FRAMEWORK);
        return m;
    }

    /** PyTorch's default init: uniform in ±1/√fan_in for weights and biases. */
    private float[][] draw(long runSeed) {
        SplittableRandom random = new SplittableRandom(runSeed);
        float[][] out = new float[layout.size()][];
        for (int i = 0; i < layout.size(); i++) {
            Tensor t = layout.get(i);
            double bound = 1 / Math.sqrt(t.fanIn());
            float[] v = new float[(int) t.count()];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) random.nextDouble(-bound, bound);
            }
            out[i] = v;
        }
        return out;
    }

    private List<byte[]> largeBytes() {
        List<byte[]> b = largeBytes;
        if (b == null) {
            synchronized (this) {
                if (largeBytes == null) {
                    largeBytes = drawLarge();
                }
                b = largeBytes;
            }
        }
        return b;
    }

    private List<byte[]> drawLarge() {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>();
        for (Tensor t : layout) {
            float bound = (float) (1 / Math.sqrt(t.fanIn()));
            ByteBuffer buf = ByteBuffer.allocate((int) t.count() * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining()) {
                buf.putFloat((float) random.nextDouble(-bound, bound));
            }
            out.add(buf.array());
        }
        return List.copyOf(out);
    }
}
