package io.weightcast.core.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weightcast.core.safetensors.SafeTensors;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightTokensTest {

    @Test
    void theDigitsCnnHasOneTokenPerUnitHoldingItsFanInAndBias() {
        SafeTensors file = SyntheticZoo.checkpoint(16, 0.1, new Random(1));
        ArchitectureSignature sig = ArchitectureSignature.of(file);
        assertEquals("conv1:16x10,conv2:16x145,conv3:16x145,dense:10x17", sig.key());
        assertEquals(58, sig.tokens());
        assertEquals(145, sig.maxWidth());
        assertEquals(4970, sig.parameters(), "the digits zoo's net has 4,970 parameters");
        WeightTokens t = WeightTokens.of(file);
        double[] conv2 = file.values("conv2.weight");
        assertEquals((float) conv2[3 * 144 + 17], t.get(1, 3, 17));
        assertEquals((float) file.values("conv2.bias")[3], t.get(1, 3, 144));
        assertTrue(sig.permutable(0) && sig.permutable(1) && sig.permutable(2));
        assertFalse(sig.permutable(3), "the logits never move");
    }

    @Test
    void tokensRoundTripToTheSameTensors() {
        SafeTensors file = SyntheticZoo.checkpoint(4, 0.1, new Random(2));
        SafeTensors back = SafeTensors.read(WeightTokens.of(file).toSafeTensors(Map.of("run_id", "r")));
        for (String name : new String[] {"conv1.weight", "conv3.bias", "dense.weight"}) {
            assertArrayEquals(file.tensor(name).shape(), back.tensor(name).shape());
            assertArrayEquals(file.values(name), back.values(name), 0.0);
        }
    }

    @Test
    void aPermutationMovesUnitsAndTheNextLayersInputChannelsTogether() {
        WeightTokens t = WeightTokens.of(SyntheticZoo.checkpoint(4, 0.1, new Random(3)));
        WeightTokens p = t.copy();
        int[] perm = {2, 0, 3, 1};
        NeuronPermutation.permute(p, 1, perm);
        for (int u = 0; u < 4; u++) {
            for (int c = 0; c < 37; c++) {
                assertEquals(t.get(1, perm[u], c), p.get(1, u, c), "conv2 unit rows move as a whole");
            }
        }
        for (int v = 0; v < 4; v++) {
            for (int c = 0; c < 4; c++) {
                for (int k = 0; k < 9; k++) {
                    assertEquals(t.get(2, v, perm[c] * 9 + k), p.get(2, v, c * 9 + k), "conv3 in-channel blocks follow");
                }
            }
            assertEquals(t.get(2, v, 36), p.get(2, v, 36), "conv3 biases stay");
        }
        assertArrayEquals(t.layers()[0], p.layers()[0]);
        assertArrayEquals(t.layers()[3], p.layers()[3]);
    }

    @Test
    void aRandomPermutationKeepsEveryWeightAndChangesTheOrder() {
        WeightTokens t = WeightTokens.of(SyntheticZoo.checkpoint(16, 0.1, new Random(4)));
        WeightTokens p = NeuronPermutation.apply(t, new Random(5));
        float[] a = t.flatten();
        float[] b = p.flatten();
        assertFalse(Arrays.equals(a, b));
        Arrays.sort(a);
        Arrays.sort(b);
        assertArrayEquals(a, b, "a permutation only reorders weights");
    }

    @Test
    void everyPermutationOfANetworkHasTheSameCanonicalForm() {
        WeightTokens t = WeightTokens.of(SyntheticZoo.checkpoint(16, 0.1, new Random(5)));
        WeightTokens canonical = NeuronPermutation.canonical(t);
        Random random = new Random(9);
        for (int i = 0; i < 20; i++) {
            WeightTokens permuted = NeuronPermutation.apply(t, random);
            for (int l = 0; l < t.layers().length; l++) {
                assertArrayEquals(canonical.layers()[l], NeuronPermutation.canonical(permuted).layers()[l], "layer " + l);
            }
        }
        // hidden units by falling norm; the last layer (the logits) only sees its inputs reordered
        LayerShape conv2 = t.signature().layers().get(1);
        double previous = Double.MAX_VALUE;
        for (int u = 0; u < conv2.units(); u++) {
            double norm = 0;
            for (int c = 0; c < conv2.width(); c++) {
                norm += Math.pow(canonical.get(1, u, c), 2);
            }
            assertTrue(norm <= previous + 1e-9);
            previous = norm;
        }
        int last = t.layers().length - 1;
        assertArrayEquals(sortedCopy(t.layers()[last]), sortedCopy(canonical.layers()[last]));
    }

    private static float[] sortedCopy(float[] v) {
        float[] c = v.clone();
        java.util.Arrays.sort(c);
        return c;
    }

    @Test
    void erasingZeroesOneContiguousStretchWithinTheScale() {
        WeightTokens t = WeightTokens.of(SyntheticZoo.checkpoint(16, 0.1, new Random(6)));
        WeightTokens e = t.copy();
        new RandomErasing(1.0, 0.1, 0.2).applyInPlace(e, new Random(7));
        float[] before = t.flatten();
        float[] after = e.flatten();
        int first = -1;
        int last = -1;
        for (int i = 0; i < after.length; i++) {
            if (after[i] != before[i]) {
                assertEquals(0f, after[i]);
                first = first < 0 ? i : first;
                last = i;
            }
        }
        int stretch = last - first + 1;
        assertTrue(stretch >= 0.1 * after.length - 2 && stretch <= 0.2 * after.length + 1, "stretch " + stretch);
        WeightTokens untouched = t.copy();
        new RandomErasing(0.0, 0.1, 0.2).applyInPlace(untouched, new Random(7));
        assertArrayEquals(before, untouched.flatten());
        assertNotEquals(first, -1);
    }
}
