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
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.store.ClaimChecks;
import io.weightcast.store.S3ProxyServer;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * Sharded references end to end on a real broker: a small CNN stored as a Hugging Face sharded checkpoint (3 shards, one
 * layer each, and {@code model.safetensors.index.json}) in a shared directory and in S3 (S3Proxy); Kafka carries the
 * reference to the index with {@code ref_shards}. Streams verifies every shard and computes the same features and
 * spectra as for the same CNN inline; a corrupted shard, a missing shard and a truncated one are dead letters naming the
 * shard, a malformed {@code ref_shards} is a metadata dead letter, and the stream goes on.
 */
class ShardedClaimCheckIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static final String INDEX = "model.safetensors.index.json";

    /** What the test does to a stored shard behind the producer's back: replace its bytes, or delete it (null). */
    private interface Shards {
        void replace(URI index, String shard, byte[] bytes) throws Exception;
    }

    @Test
    void shardedByReferenceToASharedDirectory() throws Exception {
        Path dir = KAFKA.dataDir().resolve("sharded-files");
        Path root = Files.createDirectories(dir.resolve("checkpoint-store"));
        scenario(settings("sharded-file.", dir, Map.of("store.uri", root.toUri().toString())), (index, shard, bytes) -> {
            Path file = Path.of(index).resolveSibling(shard);
            if (bytes == null) {
                Files.delete(file);
            } else {
                Files.write(file, bytes);
            }
        });
    }

    @Test
    void shardedByReferenceToS3() throws Exception {
        Path dir = KAFKA.dataDir().resolve("sharded-s3");
        Map<String, String> previous = new HashMap<>();
        try (S3ProxyServer server = new S3ProxyServer(Files.createDirectories(dir.resolve("objects")));
             S3Client s3 = server.client()) {
            server.createBucket("ckpts");
            previous.put("aws.accessKeyId", System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY));
            previous.put("aws.secretAccessKey", System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY));
            Path spool = Files.createDirectories(dir.resolve("spool"));
            scenario(settings("sharded-s3.", dir, Map.of("store.uri", "s3://ckpts/weightcast", "store.s3.endpoint", server.endpoint(),
                    "store.s3.path.style", "true", "store.spool.dir", spool.toString())), (index, shard, bytes) -> {
                String path = index.getPath().substring(1);
                String key = path.substring(0, path.length() - INDEX.length()) + shard;
                if (bytes == null) {
                    s3.deleteObject(b -> b.bucket("ckpts").key(key));
                } else {
                    s3.putObject(b -> b.bucket("ckpts").key(key), RequestBody.fromBytes(bytes));
                }
            });
            try (var left = Files.list(spool)) {
                assertThat(left).as("download directories are deleted after use").isEmpty();
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

    private static void scenario(Settings settings, Shards shards) throws Exception {
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings); ClaimChecks producer = ClaimChecks.from(settings)) {
            service.start();
            byte[] inline = cnn("inline", 1).bytes();
            byte[] corrupted = sharded(producer, "corrupted", 1);
            byte[] missing = sharded(producer, "missing", 1);
            byte[] truncated = sharded(producer, "truncated", 1);
            byte[] flipped = shards(cnn("corrupted", 1).bytes()).get(shardName(2));
            flipped[flipped.length - 5] ^= 0x40; // one weight's exponent bit: same size, another hash
            shards.replace(uri(corrupted), shardName(2), flipped);
            shards.replace(uri(missing), shardName(3), null);
            shards.replace(uri(truncated), shardName(1), Arrays.copyOf(shards(cnn("truncated", 1).bytes()).get(shardName(1)), 100));
            Map<String, String> badMeta = new LinkedHashMap<>(SafeTensors.read(sharded(producer, "malformed", 1)).metadata());
            badMeta.put("ref_shards", "[{\"file\":\"../model-00001-of-00003.safetensors\",\"bytes\":1,\"sha256\":\"" + "ab".repeat(32) + "\"}]");
            byte[] malformed = new SafeTensorsWriter().metadata(badMeta).toBytes();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "t"),
                    new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topics.checkpoints(), "inline", inline));
                p.send(new ProducerRecord<>(topics.checkpoints(), "sharded", sharded(producer, "sharded", 1)));
                p.send(new ProducerRecord<>(topics.checkpoints(), "corrupted", corrupted));
                p.send(new ProducerRecord<>(topics.checkpoints(), "missing", missing));
                p.send(new ProducerRecord<>(topics.checkpoints(), "truncated", truncated));
                p.send(new ProducerRecord<>(topics.checkpoints(), "malformed", malformed));
                p.send(new ProducerRecord<>(topics.checkpoints(), "sharded", sharded(producer, "sharded", 2)));
                p.flush();
            }
            Map<String, FeatureVector> features = read(topics.features(), FeatureVector.class, 3).stream()
                    .collect(Collectors.toMap(f -> f.runId() + "/" + f.step(), Function.identity()));
            assertThat(features).containsOnlyKeys("inline/1", "sharded/1", "sharded/2");
            assertThat(features.get("sharded/1").values()).containsExactly(features.get("inline/1").values());
            assertThat(features.get("sharded/1").health()).isEqualTo(features.get("inline/1").health());
            assertThat(features.get("sharded/1").plannedSteps()).isEqualTo(10); // the shards' metadata, under the record's
            assertThat(features.get("sharded/2").values()).isNotEqualTo(features.get("inline/1").values());

            Map<String, SpectralSummary> spectra = read(topics.spectra(), SpectralSummary.class, 3).stream()
                    .collect(Collectors.toMap(s -> s.runId() + "/" + s.step(), Function.identity()));
            assertThat(spectra).containsOnlyKeys("inline/1", "sharded/1", "sharded/2");
            assertThat(spectra.get("sharded/1").layers()).isEqualTo(spectra.get("inline/1").layers());
            assertThat(spectra.get("sharded/1").layers().get("conv2").alpha()).isNotNull();

            Map<String, DeadLetter> letters = read(topics.deadLetters(), DeadLetter.class, 4).stream()
                    .collect(Collectors.toMap(DeadLetter::key, Function.identity()));
            assertThat(letters).containsOnlyKeys("corrupted", "missing", "truncated", "malformed");
            assertThat(letters.get("corrupted").reason()).startsWith("ref_mismatch: shard " + shardName(2) + " of the referenced checkpoint ")
                    .contains("SHA-256");
            assertThat(letters.get("missing").reason()).startsWith("ref_missing: shard " + shardName(3)).contains("does not exist");
            assertThat(letters.get("truncated").reason()).startsWith("ref_mismatch: shard " + shardName(1)).contains("has 100 bytes");
            assertThat(letters.get("malformed").reason()).contains("ref_shards").contains("not a plain file name");

            String metrics = Http.get(service.port(), "/metrics").body();
            assertThat(metrics).contains("weightcast_streams_checkpoints_processed_total 3.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"resolved\"} 2.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"ref_mismatch\"} 2.0",
                    "weightcast_streams_checkpoint_references_total{app=\"features\",outcome=\"ref_missing\"} 1.0",
                    "weightcast_streams_dead_letters_total{reason=\"ref_mismatch\"} 2.0",
                    "weightcast_streams_dead_letters_total{reason=\"metadata\"} 1.0",
                    "weightcast_streams_checkpoint_references_total{app=\"spectra\",outcome=\"resolved\"} 2.0");
            assertThat(service.ready()).isTrue();
        }
    }

    /** The test CNN of (run, step) with the metadata a loop sends. */
    private static CheckpointBuilder cnn(String run, int step) {
        return CheckpointBuilder.of(run, step).meta("planned_steps", "10").meta("activation", "relu").meta("framework", "test")
                .conv("conv1", 16, 1, 3, Fill.sine(step, 0.3), Fill.zeros())
                .conv("conv2", 16, 16, 3, Fill.sine(step, 0.07), Fill.cosine(0.5))
                .dense("fc", 10, 64, Fill.cosine(0.13), Fill.zeros());
    }

    /** Shard i holds the i-th layer (weight and bias), with the checkpoint's metadata, as save_pretrained writes them. */
    private static Map<String, byte[]> shards(byte[] whole) {
        SafeTensors file = SafeTensors.read(whole);
        List<TensorInfo> tensors = file.tensorsByOffset();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata(file.metadata());
            for (TensorInfo t : tensors.subList(2 * i, 2 * i + 2)) {
                w.raw(t.name(), t.dtype(), t.shape(), file.rawBytes(t));
            }
            out.put(shardName(i + 1), w.toBytes());
        }
        return out;
    }

    private static String shardName(int i) {
        return "model-0000" + i + "-of-00003.safetensors";
    }

    /** What a producer sends: the shards and the index to the store, a reference with only run id and step to Kafka. */
    private static byte[] sharded(ClaimChecks producer, String run, int step) {
        byte[] whole = cnn(run, step).bytes();
        Map<String, byte[]> shards = shards(whole);
        List<String> map = new ArrayList<>();
        shards.forEach((name, bytes) -> SafeTensors.read(bytes).tensors().forEach(t -> map.add("\"" + t.name() + "\":\"" + name + "\"")));
        byte[] index = ("{\"metadata\":{\"total_size\":" + whole.length + "},\"weight_map\":{" + String.join(",", map) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        CheckpointReference ref = producer.storeSharded(run, step, INDEX, index, shards);
        return ref.record(Map.of("run_id", run, "step", Integer.toString(step)));
    }

    private static URI uri(byte[] referenceRecord) {
        return CheckpointReference.of(SafeTensors.read(referenceRecord).metadata()).orElseThrow().uri();
    }

    /** Spectra all deferred (max flops 0): the spectral worker resolves sharded references too. */
    private static Settings settings(String prefix, Path dir, Map<String, String> store) {
        Map<String, String> s = new HashMap<>(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "topic.prefix", prefix,
                "streams.port", "0", "streams.state.dir", dir.resolve("state").toString(), "spectral.min.evals", "4",
                "streams.spectra.inline.max.flops", "0", "store.threshold.bytes", "4096"));
        s.putAll(store);
        return Settings.of(s);
    }

    private static <T> List<T> read(String topic, Class<T> type, int expected) {
        return KAFKA.reader().atLeast(topic, type, expected, Duration.ofSeconds(60), Duration.ofSeconds(2));
    }
}
