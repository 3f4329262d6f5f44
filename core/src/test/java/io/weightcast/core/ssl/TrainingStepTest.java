package io.weightcast.core.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The training step made cheap (issue 23): same inputs, same attention, the step's own losses. */
class TrainingStepTest {

    private static final EncoderConfig TINY = new EncoderConfig(16, 2, 1, 8, 8, 0.3, 0.1, 3e-3, 4, 0.0,
            RandomErasing.DEFAULT, 7, EncoderTuning.ORIGINAL);

    @Test
    void theAttentionFromMatrixProductsIsLibnd4jsMultiHeadAttentionWithTheSameWeights() {
        int batch = 3;
        int length = 5;
        int d = 8;
        int heads = 2;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, length, d);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.constant("in", x);
        EncoderGraph.AttentionWeights w = new EncoderGraph.AttentionWeights(
                sd.var("wq", Nd4j.randn(DataType.FLOAT, heads, d / heads, d)),
                sd.var("wk", Nd4j.randn(DataType.FLOAT, heads, d / heads, d)),
                sd.var("wv", Nd4j.randn(DataType.FLOAT, heads, d / heads, d)),
                sd.var("wo", Nd4j.randn(DataType.FLOAT, d, d)));
        SDVariable ours = EncoderGraph.selfAttention(sd, sd.reshape(in, -1, d), w, length, heads);
        SDVariable t = sd.permute(in, 0, 2, 1);
        SDVariable theirs = sd.permute(sd.nn.multiHeadDotProductAttention(t, t, t, w.q(), w.k(), w.v(), w.o(), null, true), 0, 2, 1);
        Map<String, INDArray> out = sd.output(Map.of(), ours.name(), theirs.name());
        INDArray a = out.get(ours.name());
        INDArray b = out.get(theirs.name());
        assertArrayEquals(new long[] {batch, length, d}, a.shape());
        assertArrayEquals(b.shape(), a.shape());
        double scale = b.amaxNumber().doubleValue();
        assertTrue(scale > 0.1, "a non-trivial output");
        assertEquals(0, a.sub(b).amaxNumber().doubleValue() / scale, 1e-5, "same function");
        // a wrong head layout would differ: swapping the two query heads changes the output
        INDArray swapped = w.q().getArr().dup();
        swapped.get(NDArrayIndex.point(0)).assign(w.q().getArr().get(NDArrayIndex.point(1)));
        w.q().setArray(swapped);
        INDArray changed = sd.output(Map.of(), ours.name()).get(ours.name());
        assertTrue(changed.sub(b).amaxNumber().doubleValue() / scale > 1e-3);
    }

    @Test
    void theViewsHoldTheNormalisedCanonicalTargetTwiceAndPermutedWeightsWithZeroPadding() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(6, 4, 21);
        EncoderConfig noErasing = new EncoderConfig(16, 2, 1, 8, 8, 0.5, 0.1, 3e-3, 3, 0.0, new RandomErasing(0, 0, 0), 9, EncoderTuning.ORIGINAL);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, noErasing);
        ArchitectureSignature sig = zoo.get(0).signature();
        TokenNormalizer norm = TokenNormalizer.fit(zoo);
        List<WeightTokens> batch = zoo.subList(0, 3);
        MultiDataSet views = encoder.views(batch, new Random(1));
        INDArray x = views.getFeatures(0);
        INDArray target = views.getLabels(0);
        assertArrayEquals(new long[] {6, sig.tokens(), sig.maxWidth()}, x.shape());
        assertEquals(target.get(NDArrayIndex.interval(0, 3)),
                target.get(NDArrayIndex.interval(3, 6)), "both views reconstruct one target");
        for (int i = 0; i < 3; i++) {
            WeightTokens canonical = NeuronPermutation.canonical(batch.get(i));
            for (int l = 0; l < sig.layers().size(); l++) {
                LayerShape layer = sig.layers().get(l);
                int u = layer.units() - 1;
                int c = layer.width() - 1;
                assertEquals(norm.apply(l, canonical.get(l, u, c)), target.getFloat(i, sig.firstToken(l) + u, c), 1e-6f,
                        "checkpoint " + i + " layer " + l);
                if (layer.width() < sig.maxWidth()) {
                    assertEquals(0f, target.getFloat(i, sig.firstToken(l) + u, layer.width()), "padding");
                    assertEquals(0f, x.getFloat(3 + i, sig.firstToken(l) + u, sig.maxWidth() - 1), "padding");
                }
            }
            // without erasing a view is a function-preserving permutation: the same weights, reordered
            float[] view1 = row(x, i);
            float[] view2 = row(x, 3 + i);
            float[] truth = row(target, i);
            assertNotEquals(Arrays.toString(view1), Arrays.toString(view2), "two different permutations");
            Arrays.sort(view1);
            Arrays.sort(view2);
            Arrays.sort(truth);
            assertArrayEquals(truth, view1, 1e-6f);
            assertArrayEquals(truth, view2, 1e-6f);
        }
    }

    @Test
    void aStepReportsTheLossOfItsOwnForwardPassBeforeTheUpdate() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(8, 4, 22);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, TINY);
        MultiDataSet views = encoder.views(zoo.subList(0, 4), new Random(3));
        double[] before = encoder.losses(views);
        double[] step = encoder.fit(views);
        double[] after = encoder.losses(views);
        assertArrayEquals(before, step, 1e-5 * Math.abs(before[0]), "the step's losses are the pre-update forward pass");
        assertEquals(0.3 * step[1] + 0.7 * step[2], step[0], 1e-9, "γ·NT-Xent + (1−γ)·MSE");
        assertNotEquals(before[0], after[0], "the step updated the parameters");
    }

    private static float[] row(INDArray a, int i) {
        return a.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all()).dup('c').data().asFloat();
    }
}
