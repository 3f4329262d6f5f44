package io.weightcast.core.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/** Issue 23's fair-setup options: linear z, deeper head with batch norm, dropout, scale tokens, the training plan. */
class FairSetupTest {

    private static final RandomErasing NONE = new RandomErasing(0, 0, 0);

    private static EncoderConfig config(EncoderTuning tuning, int batch) {
        return new EncoderConfig(16, 2, 1, 8, 8, 0.3, 0.1, 3e-3, batch, 0.0, NONE, 7, tuning);
    }

    @Test
    void theLinearBottleneckIsTheTanhBottleneckWithoutItsTanh() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(12, 4, 31);
        EncoderTuning linear = new EncoderTuning(true, 2, false, 0.0, false);
        float[][] zLinear = HyperRepresentation.create(zoo, config(linear, 4)).embed(zoo);
        float[][] zTanh = HyperRepresentation.create(zoo, config(EncoderTuning.ORIGINAL, 4)).embed(zoo);
        boolean differs = false;
        for (int i = 0; i < zoo.size(); i++) {
            for (int j = 0; j < zLinear[i].length; j++) {
                assertEquals(Math.tanh(zLinear[i][j]), zTanh[i][j], 1e-5, "same initial weights, tanh applied once");
                differs |= Math.abs(zLinear[i][j] - zTanh[i][j]) > 1e-4;
            }
        }
        assertTrue(differs, "the linear z is not squashed");
    }

    @Test
    void warmUpRisesLinearlyThenThePlateauDecaysAndThePatienceRunsOut() {
        TrainingPlan plan = new TrainingPlan(10, 0, 4, 0.5, 2, 3, 0);
        LearningRateSchedule s = new LearningRateSchedule(1e-3, plan);
        assertArrayEquals(new double[] {2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3},
                new double[] {s.rate(0), s.rate(1), s.rate(2), s.rate(3), s.rate(100)}, 1e-12);
        assertTrue(s.observe(0.1));
        assertTrue(s.observe(0.2));
        assertFalse(s.observe(0.2), "no rise");
        assertEquals(1e-3, s.rate(100), 1e-12, "one flat evaluation is not yet a plateau");
        assertFalse(s.observe(0.15));
        assertEquals(5e-4, s.rate(100), 1e-12, "two flat evaluations: halved");
        assertFalse(s.exhausted());
        assertFalse(s.observe(0.19));
        assertTrue(s.exhausted(), "three evaluations without a new best");
        assertTrue(s.observe(0.3));
        assertFalse(s.exhausted());
        assertEquals(5e-4, s.rate(100), 1e-12, "a new best keeps the decayed rate");
    }

    @Test
    void theScheduledLearningRateReachesAdam() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(8, 4, 32);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, config(EncoderTuning.ORIGINAL, 4));
        MultiDataSet views = encoder.views(zoo.subList(0, 4), new Random(3));
        encoder.fit(views); // Adam's first step is its own (bias correction); compare later ones
        double none = change(encoder, views, zoo.get(0), 0);
        double tiny = change(encoder, views, zoo.get(0), 1e-6);
        double large = change(encoder, views, zoo.get(0), 1e-2);
        // rate 0 leaves a float-rounding residue in libnd4j's Adam op (~5e-6 here); 1e-6 moves z ~25× more
        assertTrue(none < tiny / 5, "rate 0 " + none + " vs 1e-6 " + tiny);
        assertTrue(large > 100 * tiny, "rate 1e-2 " + large + " vs 1e-6 " + tiny);
    }

    /** The largest change of a checkpoint's z from one step at this rate. */
    private static double change(HyperRepresentation encoder, MultiDataSet views, WeightTokens probe, double rate) {
        float[] before = encoder.embed(probe);
        encoder.learningRate(rate);
        encoder.fit(views);
        float[] after = encoder.embed(probe);
        double d = 0;
        for (int i = 0; i < before.length; i++) {
            d = Math.max(d, Math.abs(before[i] - after[i]));
        }
        return d;
    }

    @Test
    void scaleTokensRoundTripToTheNormalisedWeights() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(6, 4, 33);
        EncoderTuning scaled = new EncoderTuning(false, 2, false, 0.0, true);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, config(scaled, 3));
        ArchitectureSignature sig = zoo.get(0).signature();
        TokenNormalizer norm = TokenNormalizer.fit(zoo);
        INDArray target = encoder.views(zoo.subList(0, 3), new Random(1)).getLabels(0);
        assertArrayEquals(new long[] {6, sig.tokens(), sig.maxWidth() + 1}, target.shape(), "one scale column");
        for (int i = 0; i < 3; i++) {
            WeightTokens canonical = NeuronPermutation.canonical(zoo.get(i));
            for (int l = 0; l < sig.layers().size(); l++) {
                LayerShape layer = sig.layers().get(l);
                int first = sig.firstToken(l);
                double scale = Math.exp(target.getDouble(i, first, sig.maxWidth()));
                double sq = 0;
                for (int u = 0; u < layer.units(); u++) {
                    assertEquals(Math.log(scale), target.getDouble(i, first + u, sig.maxWidth()), 1e-6, "one scale per layer");
                    for (int c = 0; c < layer.width(); c++) {
                        double local = target.getDouble(i, first + u, c);
                        sq += local * local;
                        assertEquals(norm.apply(l, canonical.get(l, u, c)), local * scale, 1e-4, "scaled back");
                    }
                }
                assertEquals(1.0, Math.sqrt(sq / (layer.units() * layer.width())), 1e-4, "unit RMS per layer");
            }
        }
        double r2 = encoder.reconstructionR2(zoo);
        assertTrue(Double.isFinite(r2) && r2 <= 1, "R² in the per-layer normalised space: " + r2);
    }

    @Test
    void dropoutActsInTrainingStepsOnlyAndAFairEncoderSavesAndLoads() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(8, 4, 34);
        EncoderTuning dropout = new EncoderTuning(true, 4, true, 0.3, true);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, config(dropout, 4));
        MultiDataSet views = encoder.views(zoo.subList(0, 4), new Random(3));
        double[] before = encoder.losses(views);
        assertArrayEquals(before, encoder.losses(views), 1e-9, "inference is deterministic");
        double[] step = encoder.fit(views);
        assertNotEquals(before[0], step[0], 1e-4 * Math.abs(before[0]), "the step's forward pass dropped activations");
        float[] z = encoder.embed(zoo.get(1));
        assertArrayEquals(z, encoder.embed(zoo.get(1)), 0f, "the rate is back at 0 after the step");
        byte[] saved = encoder.toBytes();
        assertEquals(dropout, HyperRepresentation.header(saved).config().tuning());
        HyperRepresentation loaded = HyperRepresentation.fromBytes(saved, zoo.get(0).signature());
        assertArrayEquals(z, loaded.embed(zoo.get(1)), 1e-6f);
    }

    @Test
    void aPlanStopsWhenTheScoreStopsRisingAndRecordsEveryEvaluation() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(16, 4, 35);
        EncoderTuning fair = EncoderTuning.FAIR;
        HyperRepresentation encoder = HyperRepresentation.create(zoo, config(fair, 4));
        TrainingPlan plan = new TrainingPlan(50, 2, 0, 0.5, 1, 2, 0);
        List<HyperRepresentation.CurvePoint> seen = new ArrayList<>();
        HyperRepresentation.Outcome outcome = encoder.train(zoo, plan, p -> {
            seen.add(p);
            return 0.5; // never rises after the first evaluation
        });
        assertEquals("patience", outcome.stoppedBy());
        assertEquals(3, outcome.curve().size());
        assertEquals(seen, outcome.curve());
        HyperRepresentation.CurvePoint last = outcome.curve().get(2);
        assertEquals(6, last.steps());
        assertEquals(6 * 4 / 16.0, last.epochs(), 1e-12);
        assertEquals(3e-3, outcome.curve().get(1).learningRate(), 1e-12);
        assertEquals(1.5e-3, last.learningRate(), 1e-12, "decayed after the first flat evaluation");
        assertTrue(Double.isFinite(last.loss()) && Double.isFinite(last.contrastive()) && Double.isFinite(last.reconstruction()));

        HyperRepresentation.Outcome budget = HyperRepresentation.create(zoo, config(fair, 4))
                .train(zoo, new TrainingPlan(50, 0, 0, 1, 1, 0, 1e-9), p -> 0);
        assertEquals("time budget", budget.stoppedBy());
        assertTrue(budget.curve().isEmpty(), "no step fits a budget of a nanosecond");
    }
}
