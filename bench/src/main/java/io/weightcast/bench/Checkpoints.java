package io.weightcast.bench;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Random-weight checkpoints of the shapes the benchmarks need, written as PyTorch would (state_dict order). */
public final class Checkpoints {
    private Checkpoints() {
    }

    /**
     * torchvision's resnet50 conv and linear weights, layer name → {@code [out,in,kh,kw]} or {@code [out,in]}:
     * a 7×7 stem, bottleneck stages of 3, 4, 6, 3 blocks (1×1, 3×3, 1×1 convs, expansion 4, a 1×1
     * downsample in each stage's first block) and a 2048 → 1000 classifier. 54 layers, 25.5 M weights.
     */
    public static Map<String, long[]> resnet50Shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("conv1", new long[] {64, 3, 7, 7});
        int[] blocks = {3, 4, 6, 3};
        int inplanes = 64;
        for (int stage = 0; stage < 4; stage++) {
            int planes = 64 << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                String p = "layer" + (stage + 1) + "." + b + ".";
                shapes.put(p + "conv1", new long[] {planes, inplanes, 1, 1});
                shapes.put(p + "conv2", new long[] {planes, planes, 3, 3});
                shapes.put(p + "conv3", new long[] {planes * 4L, planes, 1, 1});
                if (b == 0) {
                    shapes.put(p + "downsample.0", new long[] {planes * 4L, inplanes, 1, 1});
                }
                inplanes = planes * 4;
            }
        }
        shapes.put("fc", new long[] {1000, 2048});
        return shapes;
    }

    /** The zoo's digits CNN: 3 conv layers of 16 3×3 filters on 1 channel, then dense 16 → 10. */
    public static Map<String, long[]> digitsCnnShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("conv1", new long[] {16, 1, 3, 3});
        shapes.put("conv2", new long[] {16, 16, 3, 3});
        shapes.put("conv3", new long[] {16, 16, 3, 3});
        shapes.put("dense", new long[] {10, 16});
        return shapes;
    }

    /** torchvision's init: conv kaiming-normal (fan_out, ReLU gain), linear uniform ±1/√in. F32. */
    public static byte[] resnet50(long seed) {
        return write(resnet50Shapes(), seed, true);
    }

    /** PyTorch's default init (uniform ±1/√fan_in) for every layer, with biases. F32. */
    public static byte[] digitsCnn(long seed) {
        return write(digitsCnnShapes(), seed, false);
    }

    private static byte[] write(Map<String, long[]> shapes, long seed, boolean torchvision) {
        Random random = new Random(seed);
        SafeTensorsWriter w = new SafeTensorsWriter();
        shapes.forEach((name, shape) -> {
            long fanIn = shape[1] * (shape.length == 4 ? shape[2] * shape[3] : 1);
            long fanOut = shape[0] * (shape.length == 4 ? shape[2] * shape[3] : 1);
            double[] v = new double[Math.toIntExact(shape[0] * fanIn)];
            boolean normal = torchvision && shape.length == 4;
            double scale = normal ? Math.sqrt(2.0 / fanOut) : 1 / Math.sqrt(fanIn);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (normal ? random.nextGaussian() * scale : (2 * random.nextDouble() - 1) * scale);
            }
            w.tensor(name + ".weight", DType.F32, shape, v);
            if (!torchvision || shape.length == 2) {
                double[] bias = new double[(int) shape[0]];
                for (int i = 0; i < bias.length; i++) {
                    bias[i] = (float) ((2 * random.nextDouble() - 1) / Math.sqrt(fanIn));
                }
                w.tensor(name + ".bias", DType.F32, new long[] {shape[0]}, bias);
            }
        });
        return w.toBytes();
    }
}
