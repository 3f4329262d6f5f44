package io.weightcast.testkit;

import java.util.Random;

/**
 * The values of a test tensor, by flat (row-major) index. Fills are read once, in index order, when the tensor is
 * added, so a fill drawing from a {@link Random} continues where the previous tensor's draws stopped: a checkpoint
 * built tensor by tensor from one seeded {@code Random} is the same file every time.
 */
@FunctionalInterface
public interface Fill {
    double at(int index);

    static Fill zeros() {
        return i -> 0.0;
    }

    static Fill constant(double value) {
        return i -> value;
    }

    /** {@code sin(i + phase) · amplitude}: smooth weights that change with the phase (the step, say). */
    static Fill sine(double phase, double amplitude) {
        return i -> Math.sin(i + phase) * amplitude;
    }

    /** {@code cos(i) · amplitude}. */
    static Fill cosine(double amplitude) {
        return i -> Math.cos(i) * amplitude;
    }

    /** Normal draws with standard deviation {@code sd}. */
    static Fill gaussian(Random random, double sd) {
        return i -> random.nextGaussian() * sd;
    }

    /** PyTorch's default init of a layer with {@code fanIn} inputs: uniform in ±1/√fanIn. */
    static Fill pytorchInit(Random random, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        return i -> (2 * random.nextDouble() - 1) * bound;
    }

    /** These values with NaN at {@code index} (a diverged weight). */
    default Fill withNaNAt(int index) {
        return i -> {
            double v = at(i); // drawn even where replaced, so later draws do not shift
            return i == index ? Double.NaN : v;
        };
    }
}
