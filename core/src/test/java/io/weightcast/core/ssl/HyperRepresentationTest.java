package io.weightcast.core.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HyperRepresentationTest {

    private static final EncoderConfig TINY = new EncoderConfig(16, 2, 1, 8, 8, 0.5, 0.1, 3e-3, 16, 0.0,
            RandomErasing.DEFAULT, 7, EncoderTuning.ORIGINAL);

    @Test
    void trainingLowersTheLossAndEmbedsEveryCheckpointInTheConfiguredDimension() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(64, 4, 11);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, TINY);
        List<HyperRepresentation.EpochLoss> history = encoder.train(zoo, 8, e -> {});
        assertEquals(8, history.size());
        double first = history.get(0).loss();
        double last = history.get(history.size() - 1).loss();
        assertTrue(last < first, "loss fell: " + first + " → " + last);
        assertTrue(Double.isFinite(history.get(7).contrastive()) && Double.isFinite(history.get(7).reconstruction()));
        float[][] z = encoder.embed(zoo);
        assertEquals(64, z.length);
        assertEquals(8, z[0].length);
        for (float v : z[0]) {
            assertTrue(v >= -1 && v <= 1, "tanh output");
        }
    }

    @Test
    void aSavedEncoderEmbedsExactlyAsBefore() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(32, 4, 12);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, TINY);
        encoder.train(zoo, 1, e -> {});
        byte[] saved = encoder.toBytes();
        HyperRepresentation loaded = HyperRepresentation.fromBytes(saved, zoo.get(0).signature());
        assertArrayEquals(encoder.embed(zoo.get(3)), loaded.embed(zoo.get(3)), 1e-6f);
        assertEquals(TINY, HyperRepresentation.header(saved).config());
        assertEquals(encoder.reconstructionR2(zoo), loaded.reconstructionR2(zoo), 1e-6);
    }

    @Test
    void theBeforeStepHookRunsBeforeEveryTrainingStepAndCanStopTheTraining() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(40, 4, 15); // batch 16: 2 full steps per epoch, the rest dropped
        HyperRepresentation encoder = HyperRepresentation.create(zoo, TINY);
        int[] steps = {0};
        encoder.train(zoo, 3, e -> {}, () -> steps[0]++);
        assertEquals(6, steps[0]);
        RuntimeException stop = new java.util.concurrent.CancellationException("closing");
        assertThrows(java.util.concurrent.CancellationException.class, () -> encoder.train(zoo, 3, e -> {}, () -> {
            throw stop;
        }));
    }

    @Test
    void anEncoderRefusesOtherArchitecturesAndBrokenBytes() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(8, 4, 13);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, TINY);
        WeightTokens wider = SyntheticZoo.tokens(1, 5, 14).get(0);
        assertTrue(!encoder.accepts(wider.signature()));
        assertThrows(IllegalArgumentException.class, () -> encoder.embed(wider));
        assertThrows(IllegalArgumentException.class, () -> HyperRepresentation.fromBytes(new byte[] {1, 2, 3}, wider.signature()));
        List<WeightTokens> mixed = new ArrayList<>(zoo);
        mixed.add(wider);
        assertThrows(IllegalArgumentException.class, () -> HyperRepresentation.create(mixed, TINY));
        List<WeightTokens> diverged = new ArrayList<>(zoo);
        WeightTokens nan = zoo.get(0).copy();
        nan.layers()[2][5] = Float.NaN;
        diverged.add(nan);
        assertTrue(!nan.isFinite() && zoo.get(0).isFinite());
        assertThrows(IllegalArgumentException.class, () -> HyperRepresentation.create(diverged, TINY));
    }

    @Test
    void theReconstructionImprovesWithTraining() {
        List<WeightTokens> zoo = SyntheticZoo.tokens(64, 4, 15);
        EncoderConfig reconstructOnly = new EncoderConfig(16, 2, 1, 8, 8, 0.0, 0.1, 3e-3, 16, 0.0,
                new RandomErasing(0, 0, 0), 3, EncoderTuning.ORIGINAL);
        HyperRepresentation encoder = HyperRepresentation.create(zoo, reconstructOnly);
        double before = encoder.reconstructionR2(zoo);
        encoder.train(zoo, 10, e -> {});
        double after = encoder.reconstructionR2(zoo);
        assertTrue(after > before, "R² " + before + " → " + after);
    }
}
