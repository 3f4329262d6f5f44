package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.TopologyTestDrivers;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** Where spectra are computed: inline for small checkpoints, on the spectral worker's topology for large ones. */
class SpectraTopologyTest {
    private final Topics topics = Topics.defaults();
    private final StreamsMetrics metrics = new StreamsMetrics();

    /** fc1 64×8 and fc2 4×64: 8 and 4 eigenvalues, so the tests lower min evals to 4 to fit both. */
    private static byte[] checkpoint(String run, int step) {
        return CheckpointBuilder.mlp(run, step, 64).bytes();
    }

    private static SpectraStage stage(double inlineMaxFlops) {
        return new SpectraStage(true, inlineMaxFlops, SpectralOptions.DEFAULTS.withMinEvals(4));
    }

    @Test
    void smallCheckpointsCarryTheirSpectraInTheFeaturesRecord() {
        try (TopologyTestDriver driver = TopologyTestDrivers.create(
                FeatureTopology.build(FeatureTopology.Options.of(topics, metrics).withSpectra(stage(1e12))), ProductionProperties.features())) {
            TestInputTopic<String, byte[]> in = checkpointsIn(driver);
            in.pipeInput("run-1", checkpoint("run-1", 3));
            FeatureVector fv = features(driver, in).readValue();
            SafeTensors file = SafeTensors.read(checkpoint("run-1", 3));
            var expected = new SpectralAnalyzer(SpectralOptions.DEFAULTS.withMinEvals(4)).analyze(file).health();
            assertThat(fv.health().spectra()).isEqualTo(expected);
            assertThat(expected.get("fc1").alpha()).isNotNull();
            assertThat(fv.values()[FeatureLayout.indexOf("alpha_first")]).isCloseTo(expected.get("fc1").alpha(), within(1e-12));
            assertThat(metrics.spectra.labelValues("inline").get()).isEqualTo(1.0);
        }
    }

    @Test
    void largeCheckpointsGoOutAtOnceWithoutSpectraAndTheWorkerAddsThemOnTheSpectraTopic() {
        SpectraStage stage = stage(1);  // everything counts as large
        byte[] whole = checkpoint("run-2", 4);
        List<byte[]> parts = CheckpointParts.split(whole, 1_500);
        FeatureVector fv;
        try (TopologyTestDriver driver = TopologyTestDrivers.create(
                FeatureTopology.build(FeatureTopology.Options.of(topics, metrics).withSpectra(stage)), ProductionProperties.features())) {
            TestInputTopic<String, byte[]> in = checkpointsIn(driver);
            TestOutputTopic<String, FeatureVector> out = features(driver, in);
            parts.forEach(p -> in.pipeInput("run-2", p));
            fv = out.readValue();
            assertThat(fv.health().spectra()).isNull();
            assertThat(FeatureLayout.spectralNames()).allSatisfy(n -> assertThat(fv.values()[FeatureLayout.indexOf(n)]).isNaN());
        }
        Topology worker = SpectraTopology.build(topics, metrics, stage, new java.util.concurrent.ForkJoinPool(2));
        try (TopologyTestDriver driver = TopologyTestDrivers.create(worker, ProductionProperties.spectra())) {
            TestInputTopic<String, byte[]> in = checkpointsIn(driver);
            TestOutputTopic<String, SpectralSummary> spectra = driver.createOutputTopic(topics.spectra(),
                    Serdes.String().deserializer(), JsonSerde.of(SpectralSummary.class).deserializer());
            in.pipeInput("run-x", "garbage".getBytes());  // the features path dead-letters it; the worker skips it
            parts.forEach(p -> in.pipeInput("run-2", p));
            var record = spectra.readKeyValue();
            assertThat(spectra.isEmpty()).isTrue();
            assertThat(record.key).isEqualTo("run-2");
            SpectralSummary s = record.value;
            assertThat(s.step()).isEqualTo(4);
            assertThat(s.layoutVersion()).isEqualTo(FeatureLayout.VERSION);
            var expected = new SpectralAnalyzer(SpectralOptions.DEFAULTS.withMinEvals(4)).analyze(SafeTensors.read(whole)).health();
            assertThat(s.layers()).isEqualTo(expected);
            // joined into the features record, it gives exactly the vector an inline computation gives
            try (TopologyTestDriver inline = TopologyTestDrivers.create(
                    FeatureTopology.build(FeatureTopology.Options.of(topics, metrics).withSpectra(stage(1e12))), ProductionProperties.features())) {
                TestInputTopic<String, byte[]> in2 = checkpointsIn(inline);
                TestOutputTopic<String, FeatureVector> out2 = features(inline, in2);
                in2.pipeInput("run-2", whole);
                double[] inlineValues = out2.readValue().values();
                assertThat(FeatureLayout.withSpectra(fv.values(), s.values())).containsExactly(inlineValues);
            }
            assertThat(driver.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                    JsonSerde.of(DeadLetter.class).deserializer()).isEmpty()).isTrue();
        }
    }

    /**
     * Issue 21: a split group whose parts do not merge (a malformed chunk name; before, a NumberFormatException the
     * worker did not catch, retried for ever) is dropped by both paths, dead-lettered once by the features path, and
     * the valid checkpoint after it still gets its features and, from the worker, its spectra.
     */
    @Test
    void aBadGroupThenAValidCheckpointWhichStillGetsItsSpectra() {
        SpectraStage stage = stage(1);  // everything deferred to the worker
        List<byte[]> bad = new java.util.ArrayList<>(CheckpointParts.split(checkpoint("run-bad", 1), 1_500));
        bad.set(0, renameChunks(bad.get(0), "#chunk=x/y"));
        byte[] good = checkpoint("run-good", 2);
        try (TopologyTestDriver driver = TopologyTestDrivers.create(
                FeatureTopology.build(FeatureTopology.Options.of(topics, metrics).withSpectra(stage)), ProductionProperties.features())) {
            TestInputTopic<String, byte[]> in = checkpointsIn(driver);
            bad.forEach(p -> in.pipeInput("run-bad", p));
            in.pipeInput("run-good", good);
            assertThat(features(driver, in).readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("run-good");
            List<DeadLetter> letters = driver.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                    JsonSerde.of(DeadLetter.class).deserializer()).readValuesToList();
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).reason()).contains("#chunk=x/y");
        }
        try (TopologyTestDriver driver = TopologyTestDrivers.create(
                SpectraTopology.build(topics, metrics, stage, null), ProductionProperties.spectra())) {
            TestInputTopic<String, byte[]> in = checkpointsIn(driver);
            bad.forEach(p -> in.pipeInput("run-bad", p));
            in.pipeInput("run-good", good);
            TestOutputTopic<String, SpectralSummary> spectra = driver.createOutputTopic(topics.spectra(),
                    Serdes.String().deserializer(), JsonSerde.of(SpectralSummary.class).deserializer());
            List<SpectralSummary> out = spectra.readValuesToList();
            assertThat(out).extracting(SpectralSummary::runId).containsExactly("run-good");
            assertThat(out.get(0).layers().get("fc1").alpha()).isNotNull();
            // the bad group was dropped whole: its parts sent again make the same refusal, not a merge with stale parts
            bad.forEach(p -> in.pipeInput("run-bad", p));
            assertThat(spectra.isEmpty()).isTrue();
        }
    }

    /** {@code part} with its chunk names' {@code #chunk=I/N} suffix replaced. */
    private static byte[] renameChunks(byte[] part, String suffix) {
        SafeTensors file = SafeTensors.read(part);
        io.weightcast.core.safetensors.SafeTensorsWriter w = new io.weightcast.core.safetensors.SafeTensorsWriter().metadata(file.metadata());
        for (var t : file.tensorsByOffset()) {
            int at = t.name().indexOf("#chunk=");
            w.raw(at < 0 ? t.name() : t.name().substring(0, at) + suffix, t.dtype(), t.shape(), file.rawBytes(t));
        }
        assertThat(file.tensors()).anyMatch(t -> t.name().contains("#chunk="));
        return w.toBytes();
    }

    @Test
    void smallCheckpointsAreLeftToTheFeaturesPathByTheWorker() {
        Topology worker = SpectraTopology.build(topics, metrics, stage(1e12), null);
        try (TopologyTestDriver driver = TopologyTestDrivers.create(worker, ProductionProperties.spectra())) {
            checkpointsIn(driver).pipeInput("run-3", checkpoint("run-3", 1));
            assertThat(driver.createOutputTopic(topics.spectra(), Serdes.String().deserializer(),
                    JsonSerde.of(SpectralSummary.class).deserializer()).isEmpty()).isTrue();
        }
    }

    private TestInputTopic<String, byte[]> checkpointsIn(TopologyTestDriver driver) {
        return driver.createInputTopic(topics.checkpoints(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
    }

    private TestOutputTopic<String, FeatureVector> features(TopologyTestDriver driver, TestInputTopic<String, byte[]> unused) {
        return driver.createOutputTopic(topics.features(), Serdes.String().deserializer(), JsonSerde.of(FeatureVector.class).deserializer());
    }
}
