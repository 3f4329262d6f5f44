package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.store.ClaimChecks;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.MetricsText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Not part of the normal run ({@code -Dweightcast.claim.bench.mb=100}): the same big checkpoints through the streams
 * service on a real broker, once split into 8 MiB records and once by reference to a shared directory; wall time from
 * the first send to the last features record, and the service's own timings. Spectra off: this measures the path of
 * the bytes, not the eigen-decompositions.
 */
@EnabledIfSystemProperty(named = "weightcast.claim.bench.mb", matches = "[0-9]+")
class ClaimCheckLatencyTest {
    private static final int CHECKPOINTS = 3;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void bigCheckpointsSplitInlineAndByReference() throws Exception {
        int mb = Integer.getInteger("weightcast.claim.bench.mb");
        Path dir = KAFKA.dataDir();
        Path store = Files.createDirectories(dir.resolve("store"));
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), "streams.port", "0",
                "streams.state.dir", dir.resolve("state").toString(), "streams.spectra.enabled", "false",
                "streams.embeddings.enabled", "false", "store.uri", store.toUri().toString(), "store.threshold.bytes", "1048576"));
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings); ClaimChecks producer = ClaimChecks.from(settings);
             KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "bench"),
                     new StringSerializer(), new ByteArraySerializer())) {
            service.start();
            String metrics0 = MetricsText.scrape(service.port());
            List<byte[]> files = checkpoints("inline", mb); // made before the clock starts
            long t0 = System.nanoTime();
            for (byte[] file : files) {
                for (byte[] part : CheckpointParts.split(file, KafkaConfigs.MAX_RECORD_BYTES)) {
                    p.send(new ProducerRecord<>(topics.checkpoints(), "inline", part));
                }
            }
            p.flush();
            await(topics, "inline", CHECKPOINTS);
            double inline = (System.nanoTime() - t0) / 1e9;
            String metrics1 = MetricsText.scrape(service.port());
            files = checkpoints("byref", mb);
            t0 = System.nanoTime();
            for (int step = 1; step <= CHECKPOINTS; step++) {
                byte[] file = files.get(step - 1);
                p.send(new ProducerRecord<>(topics.checkpoints(), "byref",
                        producer.store("byref", step, file).record(Map.of("run_id", "byref", "step", Integer.toString(step)))));
            }
            p.flush();
            await(topics, "byref", 2 * CHECKPOINTS);
            double byRef = (System.nanoTime() - t0) / 1e9;
            String metrics2 = MetricsText.scrape(service.port());
            System.out.printf(Locale.ROOT, "[claim-bench] %d checkpoints of %d MB, split into 8 MiB records: %.2f s wall (%.2f s each), "
                    + "feature time in streams %.2f s each%n", CHECKPOINTS, mb, inline, inline / CHECKPOINTS,
                    delta(metrics0, metrics1, "weightcast_streams_feature_duration_seconds_sum") / CHECKPOINTS);
            System.out.printf(Locale.ROOT, "[claim-bench] %d checkpoints of %d MB, by reference (write to the store included): %.2f s wall "
                    + "(%.2f s each), feature time in streams %.2f s each, of which opening the reference (size, SHA-256, map) "
                    + "%.2f s%n", CHECKPOINTS, mb, byRef, byRef / CHECKPOINTS,
                    delta(metrics1, metrics2, "weightcast_streams_feature_duration_seconds_sum") / CHECKPOINTS,
                    delta(metrics1, metrics2, "weightcast_streams_reference_open_duration_seconds_sum{app=\"features\"}") / CHECKPOINTS);
            System.out.printf(Locale.ROOT, "[claim-bench] bytes through Kafka: split %.0f MB, by reference %.3f MB%n",
                    delta(metrics0, metrics1, "weightcast_streams_checkpoint_bytes_total") / 1e6,
                    delta(metrics1, metrics2, "weightcast_streams_checkpoint_bytes_total") / 1e6);
        }
    }

    private static double delta(String before, String after, String series) {
        return MetricsText.value(after, series).orElse(0) - MetricsText.value(before, series).orElse(0);
    }

    private static void await(Topics topics, String run, int total) {
        List<FeatureVector> out = KAFKA.reader().atLeast(topics.features(), FeatureVector.class, total, Duration.ofMinutes(10),
                Duration.ZERO);
        assertThat(out.stream().filter(f -> f.runId().equals(run)).count()).isEqualTo(CHECKPOINTS);
    }

    private static List<byte[]> checkpoints(String run, int mb) {
        List<byte[]> out = new java.util.ArrayList<>();
        for (int step = 1; step <= CHECKPOINTS; step++) {
            out.add(checkpoint(run, step, mb));
        }
        return out;
    }

    /** {@code mb} MB of F32 in 8 layers of 1000 columns, weights moving with the step. */
    private static byte[] checkpoint(String run, int step, int mb) {
        int rows = Math.max(1, mb * 1_000_000 / 4 / 8 / 1000);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("run_id", run).metadata("step", Integer.toString(step))
                .metadata("planned_steps", "10").metadata("activation", "relu");
        for (int k = 0; k < 8; k++) {
            float[] v = new float[rows * 1000];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.sin(step + k + i * 1e-3);
            }
            w.tensor("layer" + k + ".weight", new long[] {rows, 1000}, v);
        }
        return w.toBytes();
    }
}
