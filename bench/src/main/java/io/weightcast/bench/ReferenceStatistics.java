package io.weightcast.bench;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.features.DeadUnits;
import io.weightcast.core.features.PairwiseSum;
import io.weightcast.core.features.Percentiles;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The statistics path of before issue 24, for the benchmark's baseline: every tensor decoded into a
 * {@code double[]}, its finite values copied, squared deviations in a third array, a full sort for the
 * percentiles. (Core's tests keep the same code as the reference the new path is checked against.)
 */
final class ReferenceStatistics {
    private ReferenceStatistics() {
    }

    static List<double[]> analyze(SafeTensors file) {
        CheckpointTopology topology = CheckpointTopology.of(file);
        List<double[]> out = new ArrayList<>();
        int index = 0;
        for (CheckpointTopology.Layer layer : topology.layers()) {
            double[] kernel = file.values(layer.kernel());
            double[] bias = layer.bias() == null ? null : file.values(layer.bias());
            out.add(summary(kernel));
            if (bias != null) {
                out.add(summary(bias));
            }
            if (index++ > 0) {
                out.add(new double[] {DeadUnits.fraction(kernel, (int) layer.units(), bias)});
            }
        }
        for (TensorInfo t : file.tensors()) {
            if (t.dtype().isFloatingPoint() && topology.layers().stream().noneMatch(l -> l.kernel().equals(t) || t.equals(l.bias()))) {
                long bad = Arrays.stream(file.values(t)).filter(v -> !Double.isFinite(v)).count();
                out.add(new double[] {bad});
            }
        }
        return out;
    }

    static double[] summary(double[] values) {
        double[] finite = new double[values.length];
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                finite[n++] = v;
            }
        }
        if (n == 0) {
            return new double[0];
        }
        double[] x = Arrays.copyOf(finite, n);
        double mean = PairwiseSum.sum(x) / n;
        double[] sq = new double[n];
        double l1 = 0;
        double l2sq = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            sq[i] = d * d;
            l1 += Math.abs(x[i]);
            l2sq += x[i] * x[i];
        }
        double std = Math.sqrt(PairwiseSum.sum(sq) / n);
        Arrays.sort(x);
        return new double[] {mean, std, x[0], Percentiles.ofSorted(x, 25), Percentiles.ofSorted(x, 50),
            Percentiles.ofSorted(x, 75), x[n - 1], l1, Math.sqrt(l2sq)};
    }
}
