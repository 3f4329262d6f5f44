package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streams service on a real broker with exactly-once processing. */
class FeatureServiceIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void checkpointsAndRunEventsBecomeFeaturesExactlyOnceAndBadOnesDeadLetters() throws Exception {
        Path dir = KAFKA.dataDir();
        // min evals 4 so these small layers get spectra; run-a (8×8) is cheap enough for inline
        // spectra, run-c (300×8) is not: its spectra come from the spectral worker.
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                "streams.port", "0", "streams.state.dir", dir.resolve("state").toString(),
                "spectral.min.evals", "4", "streams.spectra.inline.max.flops", "5000"));
        Topics topics = settings.topics();
        try (FeatureService service = new FeatureService(settings)) {
            service.start();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "t"),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int step = 1; step <= 5; step++) {
                    p.send(new ProducerRecord<>(topics.checkpoints(), "run-a", CheckpointBuilder.mlp("run-a", step, 8).bytes()));
                }
                p.send(new ProducerRecord<>(topics.checkpoints(), "run-b", "{}".getBytes(StandardCharsets.UTF_8)));
                List<byte[]> parts = CheckpointBuilder.mlp("run-c", 1, 300).parts(6_000);
                for (byte[] part : parts) {
                    p.send(new ProducerRecord<>(topics.checkpoints(), "run-c", part));
                }
                // a retrying producer's copies (issue 21): a whole checkpoint and a part of a complete split one, dropped
                p.send(new ProducerRecord<>(topics.checkpoints(), "run-a", CheckpointBuilder.mlp("run-a", 3, 8).bytes()));
                p.send(new ProducerRecord<>(topics.checkpoints(), "run-c", parts.get(0)));
                p.flush();
            }
            plainProducerRuns(topics);
            List<FeatureVector> all = read(topics.features(), FeatureVector.class, 8);
            List<FeatureVector> features = all.stream().filter(f -> !f.runId().startsWith("plain")).toList();
            assertThat(features).extracting(f -> f.runId() + "/" + f.step())
                    .containsExactlyInAnyOrder("run-a/1", "run-a/2", "run-a/3", "run-a/4", "run-a/5", "run-c/1");
            // run events count like metadata, whichever came first: the checkpoint (held for its metrics) or the event
            assertThat(all).filteredOn(f -> f.runId().startsWith("plain")).hasSize(2).allSatisfy(f -> {
                assertThat(f.study()).isEqualTo("s1");
                assertThat(f.plannedSteps()).isEqualTo(10);
                assertThat(f.values()[FeatureLayout.indexOf("hp_log10_learning_rate")]).isCloseTo(-2.0, within(1e-9));
                assertThat(f.values()[FeatureLayout.indexOf("metric_val_acc")]).isEqualTo(0.42);
                assertThat(f.health().measuredDeadFractions()).isEqualTo(Map.of("fc1", 0.5));
            });
            assertThat(features).filteredOn(f -> f.runId().equals("run-a"))
                    .allSatisfy(f -> assertThat(f.health().spectra().get("fc1").alpha()).isNotNull());
            assertThat(features).filteredOn(f -> f.runId().equals("run-c"))
                    .singleElement().satisfies(f -> assertThat(f.health().spectra()).isNull());
            List<SpectralSummary> spectra = read(topics.spectra(), SpectralSummary.class, 1);
            assertThat(spectra).singleElement().satisfies(s -> {
                assertThat(s.runId() + "/" + s.step()).isEqualTo("run-c/1");
                assertThat(s.layers().get("fc1").alpha()).isNotNull();
            });
            List<DeadLetter> letters = read(topics.deadLetters(), DeadLetter.class, 1);
            assertThat(letters).singleElement().satisfies(d -> {
                assertThat(d.key()).isEqualTo("run-b");
                assertThat(d.reason()).contains("truncated");
            });
            HttpResponse<String> metrics = Http.get(service.port(), "/metrics");
            assertThat(metrics.body()).contains("weightcast_streams_checkpoints_processed_total 8.0");
            assertThat(metrics.body()).contains("weightcast_streams_run_events_total{type=\"metrics\"} 2.0");
            io.weightcast.testkit.Await.until("both apps dropped both copies", Duration.ofSeconds(30), () -> {
                String body = Http.get(service.port(), "/metrics").body();
                return body.contains("weightcast_streams_duplicate_checkpoints_total{app=\"features\"} 2.0")
                        && body.contains("weightcast_streams_duplicate_checkpoints_total{app=\"spectra\"} 2.0");
            });
            assertThat(service.ready()).isTrue();
        }
    }

    /**
     * Two runs of a plain producer that follows only the contract: hyper-parameters in the {@code started} event,
     * metrics in {@code metrics} events, none in the checkpoint's metadata; plain-late's event after its checkpoint,
     * plain-early's before.
     */
    private static void plainProducerRuns(Topics topics) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "plain"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (String run : List.of("plain-late", "plain-early")) {
                p.send(new ProducerRecord<>(topics.runs(), run, ("{\"type\":\"started\",\"run_id\":\"" + run + "\",\"study\":\"s1\","
                        + "\"planned_steps\":10,\"hparams\":{\"learning_rate\":0.01}}").getBytes(StandardCharsets.UTF_8)));
                byte[] metrics = ("{\"type\":\"metrics\",\"run_id\":\"" + run + "\",\"step\":1,\"metrics\":{\"val_acc\":0.42,"
                        + "\"dead_fraction/fc1\":0.5}}").getBytes(StandardCharsets.UTF_8);
                if (run.equals("plain-early")) {
                    p.send(new ProducerRecord<>(topics.runs(), run, metrics));
                }
                p.send(new ProducerRecord<>(topics.checkpoints(), run, RunEventJoinTest.checkpoint(run, 1)));
                if (run.equals("plain-late")) {
                    p.send(new ProducerRecord<>(topics.runs(), run, metrics));
                }
            }
            p.flush();
        }
    }

    /** A topic's values until {@code expected} arrived, then 2 s more to catch duplicates. */
    private static <T> List<T> read(String topic, Class<T> type, int expected) {
        return KAFKA.reader().atLeast(topic, type, expected, Duration.ofSeconds(60), Duration.ofSeconds(2));
    }
}
