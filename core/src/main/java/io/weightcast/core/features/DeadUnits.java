package io.weightcast.core.features;

/**
 * Units that are dead for every input. If a layer's input is post-ReLU (non-negative), a unit whose
 * incoming weights are all ≤ 0 and whose bias is ≤ 0 has pre-activation ≤ 0 for every input, so its
 * ReLU output is always 0 (design §5). It is a sufficient, not a necessary, condition.
 */
public final class DeadUnits {
    private DeadUnits() {
    }

    /**
     * @param kernel row-major kernel values, output units on the first axis
     * @param units  number of output units (first dimension)
     * @param bias   bias per unit, or null (taken as 0)
     */
    public static double fraction(double[] kernel, int units, double[] bias) {
        return fraction(TensorValues.of(kernel), units, bias == null ? null : TensorValues.of(bias));
    }

    /** The same from decoded tensors; a unit stops being read at its first positive (or NaN) weight. */
    public static double fraction(TensorValues kernel, int units, TensorValues bias) {
        if (units == 0) {
            return Double.NaN;
        }
        int fanIn = kernel.size() / units;
        int dead = 0;
        for (int u = 0; u < units; u++) {
            if (bias != null && !(bias.get(u) <= 0)) {
                continue;
            }
            boolean allNonPositive = true;
            for (int i = u * fanIn, end = i + fanIn; i < end; i++) {
                if (!(kernel.get(i) <= 0)) {
                    allNonPositive = false;
                    break;
                }
            }
            if (allNonPositive) {
                dead++;
            }
        }
        return (double) dead / units;
    }
}
