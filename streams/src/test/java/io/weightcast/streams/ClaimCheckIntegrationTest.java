package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.store.ClaimChecks;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The claim check end to end on a real broker (design §10): a checkpoint above the threshold goes to a shared directory and
 * Kafka carries its reference; the streams service reads it per tensor and computes the same features and spectra as for
 * the same checkpoint inline. A changed file, a missing one and one outside the store's root each become a dead letter
 * with the reason, and the stream goes on with the next checkpoint.
 */
class ClaimCheckIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void aReferencedCheckpointGetsTheFeaturesOfTheSameOneInlineAndABadReferenceIsADeadLetter() throws Exception {
        Path dir = KAFKA.dataDir();
        Path store = Files.createDirectories(dir.resolve("checkpoint-store"));
        // spectra all deferred (max flops 0): the spectral worker must resolve references too
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "streams.port", "0",
                "streams.state.dir", dir.resolve("state").toString(), "spectral.min.evals", "4",
                "streams.spectra.inline.max.flops", "0", "store.uri", store.toUri().toString(), "store.threshold.bytes", "4096"));
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings); ClaimChecks producer = ClaimChecks.from(settings)) {
            service.start();
            byte[] inline = CheckpointBuilder.mlp("inline", 1, 300).bytes();
            assertThat(producer.claims(inline.length)).as("%d bytes above the threshold", inline.length).isTrue();
            byte[] tamperedRef = reference(producer, "tampered", 1);
            Path tampered = Path.of(CheckpointReference.of(SafeTensors.read(tamperedRef).metadata()).orElseThrow().uri());
            byte[] changed = Files.readAllBytes(tampered);
            changed[changed.length - 5] ^= 0x40; // one weight's exponent: the file still parses, its hash does not match
            Files.write(tampered, changed);
            byte[] missingRef = reference(producer, "missing", 1);
            Files.delete(Path.of(CheckpointReference.of(SafeTensors.read(missingRef).metadata()).orElseThrow().uri()));
            Path outside = Files.write(dir.resolve("outside.safetensors"), CheckpointBuilder.mlp("outside", 1, 300).bytes());
            byte[] outsideRef = new CheckpointReference(outside.toUri(), Files.size(outside), sha256(outside))
                    .record(Map.of("run_id", "outside", "step", "1"));
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "t"),
                    new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topics.checkpoints(), "inline", inline));
                p.send(new ProducerRecord<>(topics.checkpoints(), "byref", reference(producer, "byref", 1)));
                p.send(new ProducerRecord<>(topics.checkpoints(), "tampered", tamperedRef));
                p.send(new ProducerRecord<>(topics.checkpoints(), "missing", missingRef));
                p.send(new ProducerRecord<>(topics.checkpoints(), "outside", outsideRef));
                p.send(new ProducerRecord<>(topics.checkpoints(), "byref", reference(producer, "byref", 2)));
                p.flush();
            }
            Map<String, FeatureVector> features = read(topics.features(), FeatureVector.class, 3).stream()
                    .collect(Collectors.toMap(f -> f.runId() + "/" + f.step(), Function.identity()));
            assertThat(features).containsOnlyKeys("inline/1", "byref/1", "byref/2");
            FeatureVector byValue = features.get("inline/1");
            FeatureVector byRef = features.get("byref/1");
            assertThat(byRef.values()).containsExactly(byValue.values());
            assertThat(byRef.health()).isEqualTo(byValue.health());
            assertThat(byRef.plannedSteps()).isEqualTo(10); // metadata of the stored file, under the record's
            assertThat(features.get("byref/2").values()).isNotEqualTo(byValue.values());

            Map<String, SpectralSummary> spectra = read(topics.spectra(), SpectralSummary.class, 3).stream()
                    .collect(Collectors.toMap(s -> s.runId() + "/" + s.step(), Function.identity()));
            assertThat(spectra).containsOnlyKeys("inline/1", "byref/1", "byref/2");
            assertThat(spectra.get("byref/1").layers()).isEqualTo(spectra.get("inline/1").layers());
            assertThat(spectra.get("byref/1").layers().get("fc1").alpha()).isNotNull();

            Map<String, DeadLetter> letters = read(topics.deadLetters(), DeadLetter.class, 3).stream()
                    .collect(Collectors.toMap(DeadLetter::key, Function.identity()));
            assertThat(letters).containsOnlyKeys("tampered", "missing", "outside");
            assertThat(letters.get("tampered").reason()).startsWith("ref_mismatch: ").contains("SHA-256");
            assertThat(letters.get("missing").reason()).startsWith("ref_missing: ").contains("does not exist");
            assertThat(letters.get("outside").reason()).startsWith("ref_refused: ").contains("outside every read root");
            assertThat(letters.values()).allSatisfy(d -> {
                assertThat(d.sourceTopic()).isEqualTo(topics.checkpoints());
                assertThat(SafeTensors.read(Base64.getDecoder().decode(d.valueBase64())).size()).isZero(); // the reference record
            });

            String metrics = Http.get(service.port(), "/metrics").body();
            assertThat(metrics).contains("weightcast_streams_checkpoints_processed_total 3.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"resolved\"} 2.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"ref_mismatch\"} 1.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"ref_missing\"} 1.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"ref_refused\"} 1.0",
                    "weightcast_streams_dead_letters_total{reason=\"ref_mismatch\"} 1.0",
                    "weightcast_streams_checkpoint_references_total{app=\"spectra\",outcome=\"resolved\"} 2.0");
            assertThat(service.ready()).isTrue();
        }
    }

    /**
     * What a producer sends for the mlp checkpoint of (run, step): the file goes to the store, the reference to Kafka with
     * only the run id and step (the rest of the metadata, planned steps and activation, comes from the stored file).
     */
    private static byte[] reference(ClaimChecks producer, String run, int step) {
        byte[] file = CheckpointBuilder.mlp(run, step, 300).bytes();
        return producer.store(run, step, file).record(Map.of("run_id", run, "step", Integer.toString(step)));
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static <T> List<T> read(String topic, Class<T> type, int expected) {
        return KAFKA.reader().atLeast(topic, type, expected, Duration.ofSeconds(60), Duration.ofSeconds(2));
    }
}
