package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralOptions;
import io.weightcast.store.ClaimChecks;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.MetricsText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A referenced checkpoint's spectra job on a real broker (exactly-once): progress records become visible to a
 * read-committed consumer while the job runs; the service is stopped mid-job and its local state deleted, so the next
 * start restores the job from the changelog and resumes after the last committed step: every layer count from 1 to the
 * last appears exactly once, and the final record equals the whole analysis.
 */
class SpectraJobsIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int LAYERS = 40;

    @Test
    void aJobStoppedMidwayResumesFromTheChangelogWithNoLayerLostOrSentTwice() throws Exception {
        Path dir = KAFKA.dataDir().resolve("jobs-it");
        Path state = dir.resolve("state");
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "topic.prefix", "jobs-it.",
                "streams.port", "0", "streams.state.dir", state.toString(), "spectral.min.evals", "4",
                "streams.spectra.inline.max.flops", "0", "store.threshold.bytes", "4096", "streams.spectra.step.ms", "0",
                "store.uri", Files.createDirectories(dir.resolve("store")).toUri().toString()));
        String topic = settings.topics().spectra();
        byte[] whole = checkpoint();
        double firstComputed;
        try (FeatureService first = new FeatureService(settings); ClaimChecks producer = ClaimChecks.from(settings)) {
            first.start();
            CheckpointReference ref = producer.store("big", 5, whole);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "t"),
                    new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(settings.topics().checkpoints(), "big", ref.record(Map.of("run_id", "big", "step", "5"))));
                p.flush();
            }
            List<SpectralSummary> early = KAFKA.reader().until(topic, SpectralSummary.class, l -> l.size() >= 3, Duration.ofSeconds(180));
            assertThat(early).hasSizeGreaterThanOrEqualTo(3).allSatisfy(s -> assertThat(s.complete()).isFalse());
            firstComputed = MetricsText.required(MetricsText.scrape(first.port()), "weightcast_streams_spectra_layers_total");
        }
        deleteTree(state); // the next start has no local state: the job comes back from the changelog
        try (FeatureService second = new FeatureService(settings)) {
            second.start();
            List<SpectralSummary> all = KAFKA.reader().until(topic, SpectralSummary.class,
                    l -> l.stream().anyMatch(SpectralSummary::complete), Duration.ofSeconds(240));
            List<Integer> counts = new ArrayList<>();
            all.stream().filter(s -> !s.complete()).forEach(s -> counts.add(s.progress().layersDone()));
            assertThat(counts).as("every step's progress once, in order, across the move").isEqualTo(IntStream.range(1, LAYERS).boxed().toList());
            SpectralSummary last = all.get(all.size() - 1);
            assertThat(last.complete()).isTrue();
            assertThat(last.layers()).isEqualTo(new SpectralAnalyzer(SpectralOptions.DEFAULTS.withMinEvals(4))
                    .analyze(SafeTensors.read(whole)).health());
            double secondComputed = MetricsText.required(MetricsText.scrape(second.port()), "weightcast_streams_spectra_layers_total");
            assertThat(firstComputed).isGreaterThanOrEqualTo(3);
            // the second instance computed what was left after the last committed step (and, at most, the one step the
            // first computed but could not commit before it stopped)
            assertThat(secondComputed).isLessThanOrEqualTo(LAYERS - 3).isGreaterThanOrEqualTo(LAYERS - firstComputed);
        }
    }

    /** {@value #LAYERS} dense layers, one a step. */
    private static byte[] checkpoint() {
        Fill f = Fill.gaussian(new Random(3), 0.1);
        CheckpointBuilder b = CheckpointBuilder.of("big", 5).meta("planned_steps", "10").meta("activation", "relu");
        for (int i = 0; i < LAYERS; i++) {
            b.weight("l" + i, 48 + i, 32, f);
        }
        return b.bytes();
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
