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
import io.weightcast.store.S3ProxyServer;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The claim check end to end on a real broker (design §10), with a shared directory and with S3 (S3Proxy in process): a
 * checkpoint above the threshold goes to the store and Kafka carries its reference; the streams service reads it per
 * tensor and computes the same features and spectra as for the same checkpoint inline. A changed file, a missing one
 * and one outside the store's root each become a dead letter with the reason, and the stream goes on with the next
 * checkpoint.
 */
class ClaimCheckIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** What the test does to a stored checkpoint behind the producer's back. */
    private interface Store {
        void change(URI stored) throws Exception;

        void delete(URI stored) throws Exception;

        /** A valid reference to a copy of {@code file} outside the store's root. */
        CheckpointReference outside(byte[] file) throws Exception;
    }

    @Test
    void byReferenceToASharedDirectory() throws Exception {
        Path dir = KAFKA.dataDir().resolve("files");
        Path root = Files.createDirectories(dir.resolve("checkpoint-store"));
        scenario(settings("file-it.", dir, Map.of("store.uri", root.toUri().toString())), new Store() {
            @Override
            public void change(URI stored) throws IOException {
                Files.write(Path.of(stored), flipped(Files.readAllBytes(Path.of(stored))));
            }

            @Override
            public void delete(URI stored) throws IOException {
                Files.delete(Path.of(stored));
            }

            @Override
            public CheckpointReference outside(byte[] file) throws IOException {
                Path copy = Files.write(dir.resolve("outside.safetensors"), file);
                return new CheckpointReference(copy.toUri(), file.length, sha256(file));
            }
        }, "outside every read root");
    }

    @Test
    void byReferenceToS3() throws Exception {
        Path dir = KAFKA.dataDir().resolve("s3");
        Map<String, String> previous = new HashMap<>();
        try (S3ProxyServer server = new S3ProxyServer(Files.createDirectories(dir.resolve("objects")));
             S3Client s3 = server.client()) {
            server.createBucket("ckpts");
            server.createBucket("elsewhere");
            // the services take S3 credentials from the AWS SDK's default chain: its system properties here
            previous.put("aws.accessKeyId", System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY));
            previous.put("aws.secretAccessKey", System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY));
            Files.createDirectories(dir.resolve("spool"));
            scenario(settings("s3-it.", dir, Map.of("store.uri", "s3://ckpts/weightcast", "store.s3.endpoint", server.endpoint(),
                    "store.s3.path.style", "true", "store.spool.dir", dir.resolve("spool").toString())), new Store() {
                @Override
                public void change(URI stored) {
                    byte[] now = s3.getObjectAsBytes(b -> b.bucket("ckpts").key(stored.getPath().substring(1))).asByteArray();
                    s3.putObject(b -> b.bucket("ckpts").key(stored.getPath().substring(1)), RequestBody.fromBytes(flipped(now)));
                }

                @Override
                public void delete(URI stored) {
                    s3.deleteObject(b -> b.bucket("ckpts").key(stored.getPath().substring(1)));
                }

                @Override
                public CheckpointReference outside(byte[] file) {
                    s3.putObject(b -> b.bucket("elsewhere").key("weightcast/x.safetensors"), RequestBody.fromBytes(file));
                    return new CheckpointReference(URI.create("s3://elsewhere/weightcast/x.safetensors"), file.length, sha256(file));
                }
            }, "outside every read root");
            try (var left = Files.list(dir.resolve("spool"))) {
                assertThat(left).as("downloads are deleted after use").isEmpty();
            }
        } finally {
            previous.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    /**
     * inline/1 and byref/1 carry the same tensors; tampered, missing and outside are references that must not be read;
     * byref/2, sent after them, must still come through.
     */
    private static void scenario(Settings settings, Store store, String outsideReason) throws Exception {
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings); ClaimChecks producer = ClaimChecks.from(settings)) {
            service.start();
            byte[] inline = CheckpointBuilder.mlp("inline", 1, 300).bytes();
            assertThat(producer.claims(inline.length)).as("%d bytes above the threshold", inline.length).isTrue();
            byte[] tamperedRef = reference(producer, "tampered", 1);
            store.change(uri(tamperedRef));
            byte[] missingRef = reference(producer, "missing", 1);
            store.delete(uri(missingRef));
            byte[] outsideRef = store.outside(CheckpointBuilder.mlp("outside", 1, 300).bytes())
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

            // a referenced checkpoint's spectra are a job of one layer a step (step.ms 0): fc1 (the larger) as progress first
            List<SpectralSummary> sent = read(topics.spectra(), SpectralSummary.class, 5);
            Map<String, SpectralSummary> spectra = sent.stream().filter(SpectralSummary::complete)
                    .collect(Collectors.toMap(s -> s.runId() + "/" + s.step(), Function.identity()));
            assertThat(spectra).containsOnlyKeys("inline/1", "byref/1", "byref/2");
            assertThat(spectra.get("byref/1").layers()).isEqualTo(spectra.get("inline/1").layers());
            assertThat(spectra.get("byref/1").layers().get("fc1").alpha()).isNotNull();
            List<SpectralSummary> progress = sent.stream().filter(s -> !s.complete()).toList();
            assertThat(progress).extracting(s -> s.runId() + "/" + s.step()).containsExactlyInAnyOrder("byref/1", "byref/2");
            assertThat(progress).allSatisfy(p -> {
                assertThat(p.progress().layersDone()).isEqualTo(1);
                assertThat(p.progress().layersTotal()).isEqualTo(2);
                assertThat(p.layers()).containsOnlyKeys("fc1");
                assertThat(p.layers().get("fc1")).isEqualTo(spectra.get(p.runId() + "/" + p.step()).layers().get("fc1"));
            });
            assertThat(sent.indexOf(progress.get(0))).isLessThan(sent.indexOf(spectra.get(progress.get(0).runId() + "/"
                    + progress.get(0).step())));

            Map<String, DeadLetter> letters = read(topics.deadLetters(), DeadLetter.class, 3).stream()
                    .collect(Collectors.toMap(DeadLetter::key, Function.identity()));
            assertThat(letters).containsOnlyKeys("tampered", "missing", "outside");
            assertThat(letters.get("tampered").reason()).startsWith("ref_mismatch: ").contains("SHA-256");
            assertThat(letters.get("missing").reason()).startsWith("ref_missing: ").contains("does not exist");
            assertThat(letters.get("outside").reason()).startsWith("ref_refused: ").contains(outsideReason);
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

    /** Spectra all deferred (max flops 0): the spectral worker must resolve references too, one layer a step. */
    private static Settings settings(String prefix, Path dir, Map<String, String> store) {
        Map<String, String> s = new HashMap<>(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "topic.prefix", prefix,
                "streams.port", "0", "streams.state.dir", dir.resolve("state").toString(), "spectral.min.evals", "4",
                "streams.spectra.inline.max.flops", "0", "store.threshold.bytes", "4096", "streams.spectra.step.ms", "0"));
        s.putAll(store);
        return Settings.of(s);
    }

    /**
     * What a producer sends for the mlp checkpoint of (run, step): the file goes to the store, the reference to Kafka with
     * only the run id and step (the rest of the metadata, planned steps and activation, comes from the stored file).
     */
    private static byte[] reference(ClaimChecks producer, String run, int step) {
        byte[] file = CheckpointBuilder.mlp(run, step, 300).bytes();
        return producer.store(run, step, file).record(Map.of("run_id", run, "step", Integer.toString(step)));
    }

    private static URI uri(byte[] referenceRecord) {
        return CheckpointReference.of(SafeTensors.read(referenceRecord).metadata()).orElseThrow().uri();
    }

    /** One weight's exponent bit flipped: the file still parses, its hash no longer matches. */
    private static byte[] flipped(byte[] file) {
        byte[] out = file.clone();
        out[out.length - 5] ^= 0x40;
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

    private static <T> List<T> read(String topic, Class<T> type, int expected) {
        return KAFKA.reader().atLeast(topic, type, expected, Duration.ofSeconds(60), Duration.ofSeconds(2));
    }
}
