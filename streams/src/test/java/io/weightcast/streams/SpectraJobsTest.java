package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import io.weightcast.store.ClaimChecks;
import io.weightcast.store.FileStore;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.TopologyTestDrivers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A referenced checkpoint's deferred spectra as a resumable job: a progress record per step with the layers done so far,
 * then the final record, equal to the whole analysis; a job taken over from the store resumes after its last step; a job
 * whose file is gone is a dead letter with the reason.
 */
class SpectraJobsTest {
    private static final SpectralOptions OPTIONS = SpectralOptions.DEFAULTS.withMinEvals(4);
    private final Topics topics = Topics.defaults();
    private final StreamsMetrics metrics = new StreamsMetrics();

    @TempDir
    Path dir;

    /** Five dense layers of different sizes, so largest-first has an order to keep. */
    private static byte[] checkpoint(String run, long step) {
        Fill f = Fill.gaussian(new Random(step), 0.1);
        return CheckpointBuilder.of(run, step).meta("planned_steps", "10").meta("activation", "relu")
                .weight("l1", 48, 8, f).weight("l2", 64, 48, f).weight("l3", 96, 64, f).weight("l4", 32, 96, f).weight("l5", 10, 32, f)
                .bytes();
    }

    /** One layer a step (no pool, no time budget), everything deferred. */
    private static SpectraStage stage() {
        return new SpectraStage(true, 1, OPTIONS, 0);
    }

    private ClaimChecks store() throws Exception {
        FileStore files = new FileStore(Files.createDirectories(dir.resolve("store")));
        return new ClaimChecks(files, 1, List.of(files));
    }

    @Test
    void aReferencedCheckpointSendsItsLayersAsTheyFinishThenTheWholeSpectra() throws Exception {
        ClaimChecks claims = store();
        byte[] whole = checkpoint("run-big", 7);
        CheckpointReference ref = claims.store("run-big", 7, whole);
        Map<String, LayerSpectralHealth> expected = new SpectralAnalyzer(OPTIONS).analyze(SafeTensors.read(whole)).health();
        try (TopologyTestDriver driver = driver(claims)) {
            checkpointsIn(driver).pipeInput("run-big", ref.record(SafeTensors.read(whole).metadata()));
            List<SpectralSummary> out = new ArrayList<>(spectra(driver).readValuesToList());
            assertThat(out).hasSize(1); // the first step at once
            for (int i = 0; i < 10 && out.stream().noneMatch(SpectralSummary::complete); i++) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                out.addAll(spectra(driver).readValuesToList());
            }
            assertThat(out).hasSize(5);
            for (int i = 0; i < 4; i++) {
                SpectralSummary p = out.get(i);
                assertThat(p.complete()).isFalse();
                assertThat(p.values()).isNull();
                assertThat(p.progress().layersDone()).isEqualTo(i + 1);
                assertThat(p.progress().layersTotal()).isEqualTo(5);
                assertThat(p.layers()).hasSize(i + 1);
                p.layers().forEach((name, h) -> assertThat(h).isEqualTo(expected.get(name)));
            }
            // largest first: l3 (96×64) then l2 (64×48)
            assertThat(out.get(0).progress().lastLayer()).isEqualTo("l3");
            assertThat(out.get(1).progress().lastLayer()).isEqualTo("l2");
            assertThat(out.get(1).progress().etaSeconds()).isNotNull().isGreaterThanOrEqualTo(0.0);
            SpectralSummary last = out.get(4);
            assertThat(last.complete()).isTrue();
            assertThat(last.runId()).isEqualTo("run-big");
            assertThat(last.step()).isEqualTo(7);
            assertThat(last.layers()).isEqualTo(expected);
            assertThat(List.copyOf(last.layers().keySet())).containsExactly("l1", "l2", "l3", "l4", "l5"); // layer order again
            assertThat(last.values()).containsExactly(FeatureLayout.spectralSection(expected));
            assertThat(pending(driver)).isEmpty();
            assertThat(metrics.spectraLayers.get()).isEqualTo(5.0);
            assertThat(metrics.spectraJobs.get()).isZero();
        }
    }

    @Test
    void aJobTakenOverFromTheStoreResumesAfterItsLastStep() throws Exception {
        ClaimChecks claims = store();
        byte[] whole = checkpoint("run-moved", 3);
        CheckpointReference ref = claims.store("run-moved", 3, whole);
        List<KeyValue<String, byte[]>> saved = new ArrayList<>();
        try (TopologyTestDriver first = driver(claims)) {
            checkpointsIn(first).pipeInput("run-moved", ref.record(SafeTensors.read(whole).metadata()));
            first.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(spectra(first).readValuesToList()).extracting(s -> s.progress().layersDone()).containsExactly(1, 2);
            saved.addAll(pending(first));
        }
        assertThat(saved).hasSize(1);
        try (TopologyTestDriver second = driver(claims)) {
            // what the changelog restores on the task's next owner
            saved.forEach(kv -> jobs(second).put(kv.key, kv.value));
            List<SpectralSummary> out = new ArrayList<>();
            for (int i = 0; i < 10 && out.stream().noneMatch(SpectralSummary::complete); i++) {
                second.advanceWallClockTime(Duration.ofSeconds(1));
                out.addAll(spectra(second).readValuesToList());
            }
            assertThat(out).extracting(s -> s.complete() ? -1 : s.progress().layersDone()).containsExactly(3, 4, -1);
            assertThat(out.get(2).layers()).isEqualTo(new SpectralAnalyzer(OPTIONS).analyze(SafeTensors.read(whole)).health());
        }
    }

    @Test
    void aJobWhoseFileIsGoneWhenItResumesIsADeadLetterAndTheNextJobGoesOn() throws Exception {
        ClaimChecks claims = store();
        byte[] gone = checkpoint("run-gone", 1);
        CheckpointReference goneRef = claims.store("run-gone", 1, gone);
        List<KeyValue<String, byte[]>> saved = new ArrayList<>();
        try (TopologyTestDriver first = driver(claims)) {
            checkpointsIn(first).pipeInput("run-gone", goneRef.record(SafeTensors.read(gone).metadata()));
            saved.addAll(pending(first));
        }
        Files.delete(Path.of(goneRef.uri()));
        byte[] next = checkpoint("run-next", 2);
        CheckpointReference nextRef = claims.store("run-next", 2, next);
        try (TopologyTestDriver second = driver(claims)) {
            saved.forEach(kv -> jobs(second).put(kv.key, kv.value));
            second.advanceWallClockTime(Duration.ofSeconds(1));
            List<DeadLetter> letters = second.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                    JsonSerde.of(DeadLetter.class).deserializer()).readValuesToList();
            assertThat(letters).singleElement().satisfies(l -> {
                assertThat(l.key()).isEqualTo("run-gone");
                assertThat(l.reason()).contains("could not be opened again");
            });
            checkpointsIn(second).pipeInput("run-next", nextRef.record(SafeTensors.read(next).metadata()));
            List<SpectralSummary> out = new ArrayList<>(spectra(second).readValuesToList());
            for (int i = 0; i < 10 && out.stream().noneMatch(SpectralSummary::complete); i++) {
                second.advanceWallClockTime(Duration.ofSeconds(1));
                out.addAll(spectra(second).readValuesToList());
            }
            assertThat(out).allSatisfy(s -> assertThat(s.runId()).isEqualTo("run-next"));
            assertThat(out.get(out.size() - 1).complete()).isTrue();
            assertThat(pending(second)).isEmpty();
        }
    }

    private TopologyTestDriver driver(ClaimChecks claims) {
        return TopologyTestDrivers.create(SpectraTopology.build(topics, metrics, stage(), null, FeatureSettings.DEFAULTS, claims),
                ProductionProperties.spectra());
    }

    private static KeyValueStore<String, byte[]> jobs(TopologyTestDriver driver) {
        return driver.getKeyValueStore(SpectraTopology.JOBS_STORE);
    }

    private static List<KeyValue<String, byte[]>> pending(TopologyTestDriver driver) {
        List<KeyValue<String, byte[]>> out = new ArrayList<>();
        try (var all = jobs(driver).all()) {
            all.forEachRemaining(out::add);
        }
        return out;
    }

    private TestInputTopic<String, byte[]> checkpointsIn(TopologyTestDriver driver) {
        return driver.createInputTopic(topics.checkpoints(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
    }

    private TestOutputTopic<String, SpectralSummary> spectra(TopologyTestDriver driver) {
        return driver.createOutputTopic(topics.spectra(), Serdes.String().deserializer(), JsonSerde.of(SpectralSummary.class).deserializer());
    }
}
