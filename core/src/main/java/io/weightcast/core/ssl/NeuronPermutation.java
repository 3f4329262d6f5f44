package io.weightcast.core.ssl;

import java.util.Random;

/**
 * The function-preserving augmentation of Schürholt et al. (2021, Appendix A): permute the output
 * units of layer l (their tokens: incoming weights and bias move together) and the input channels
 * of layer l+1 by the same permutation. The network computes exactly the same function; only the
 * order of its hidden units changed. The last layer's outputs (the logits) never move.
 */
public final class NeuronPermutation {

    private NeuronPermutation() {}

    public static WeightTokens apply(WeightTokens tokens, Random random) {
        ArchitectureSignature sig = tokens.signature();
        WeightTokens out = tokens.copy();
        for (int l = 0; l < sig.layers().size(); l++) {
            if (sig.permutable(l)) {
                permute(out, l, randomPermutation(sig.layers().get(l).units(), random));
            }
        }
        return out;
    }

    /**
     * The canonical order of the same network: in every permutable layer, in order, its units sorted by
     * the L2 norm of their token (incoming weights and bias), largest first, index breaking ties. A
     * permutation of layer l's input channels does not change those norms, so every function-preserving
     * permutation of one network has the same canonical form (up to units of equal norm). The encoder
     * reconstructs this form: a z that the contrastive loss makes invariant to permutations cannot say
     * which of the permuted orders the view had, so reconstructing the view itself fails.
     */
    public static WeightTokens canonical(WeightTokens tokens) {
        ArchitectureSignature sig = tokens.signature();
        WeightTokens out = tokens.copy();
        for (int l = 0; l < sig.layers().size(); l++) {
            if (!sig.permutable(l)) {
                continue;
            }
            LayerShape layer = sig.layers().get(l);
            float[] rows = out.layers()[l];
            double[] norm = new double[layer.units()];
            for (int u = 0; u < norm.length; u++) {
                for (int c = 0; c < layer.width(); c++) {
                    double v = rows[u * layer.width() + c];
                    norm[u] += v * v;
                }
            }
            int[] order = java.util.stream.IntStream.range(0, norm.length).boxed()
                    .sorted((a, b) -> norm[a] != norm[b] ? Double.compare(norm[b], norm[a]) : Integer.compare(a, b))
                    .mapToInt(Integer::intValue).toArray();
            permute(out, l, order);
        }
        return out;
    }

    /** Moves unit {@code perm[u]} of layer l to position u, and layer l+1's input channel likewise. */
    public static void permute(WeightTokens tokens, int l, int[] perm) {
        LayerShape layer = tokens.signature().layers().get(l);
        LayerShape next = tokens.signature().layers().get(l + 1);
        float[] rows = tokens.layers()[l];
        float[] source = rows.clone();
        for (int u = 0; u < perm.length; u++) {
            System.arraycopy(source, perm[u] * layer.width(), rows, u * layer.width(), layer.width());
        }
        float[] cols = tokens.layers()[l + 1];
        float[] nextSource = cols.clone();
        int g = next.groupSize();
        for (int v = 0; v < next.units(); v++) {
            int row = v * next.width();
            for (int c = 0; c < perm.length; c++) {
                System.arraycopy(nextSource, row + perm[c] * g, cols, row + c * g, g);
            }
        }
    }

    static int[] randomPermutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
