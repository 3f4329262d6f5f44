package io.weightcast.core.ssl;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small ZooCNN-shaped checkpoints (3 conv layers × {@code width} filters 3×3, dense to 10) whose
 *  weight scale varies per run, so an encoder has something to tell apart. Test data only. */
final class SyntheticZoo {

    private SyntheticZoo() {}

    static SafeTensors checkpoint(int width, double scale, Random random) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("run_id", "synthetic").metadata("step", "1");
        int in = 1;
        for (String conv : List.of("conv1", "conv2", "conv3")) {
            w.tensor(conv + ".weight", new long[] {width, in, 3, 3}, gaussian(width * in * 9, scale, random));
            w.tensor(conv + ".bias", new long[] {width}, gaussian(width, scale / 10, random));
            in = width;
        }
        w.tensor("dense.weight", new long[] {10, width}, gaussian(10 * width, scale, random));
        w.tensor("dense.bias", new long[] {10}, gaussian(10, scale / 10, random));
        return SafeTensors.read(w.toBytes());
    }

    static List<WeightTokens> tokens(int count, int width, long seed) {
        Random random = new Random(seed);
        List<WeightTokens> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(WeightTokens.of(checkpoint(width, 0.05 + 0.5 * random.nextDouble(), random)));
        }
        return out;
    }

    private static float[] gaussian(int n, double scale, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }
}
