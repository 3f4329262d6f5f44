package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.model.ModelInputs;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Fill;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The encoder path through a real broker: the trainer reads the zoo's checkpoints, trains an encoder
 * once enough runs finished, publishes it on the encoders topic, then fits the accuracy model with
 * and without z and publishes the better one, naming the encoder version when it uses z.
 */
class EncoderTrainingIntegrationTest {
    private static final int STEPS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** A small CNN (3 conv × 4 filters, dense to 10) whose weight scale grows with the run's accuracy and the step. */
    static byte[] checkpoint(String run, int step, double quality, Random random) {
        CheckpointBuilder checkpoint = CheckpointBuilder.of(run, step).meta("planned_steps", Integer.toString(STEPS))
                .meta("activation", "relu").meta("framework", "test");
        int in = 1;
        double scale = 0.05 + quality * step / STEPS;
        for (String conv : List.of("conv1", "conv2", "conv3")) {
            checkpoint.conv(conv, 4, in, 3, Fill.gaussian(random, scale), Fill.gaussian(random, scale / 10));
            in = 4;
        }
        return checkpoint.dense("dense", 10, 4, Fill.gaussian(random, scale), Fill.gaussian(random, 0.01)).bytes();
    }

    private static void send(String topic, String key, byte[] value) {
        KAFKA.writer().send(topic, key, value);
    }

    private static <T> List<T> readAll(String topic, Class<T> type, int atLeast) {
        return KAFKA.reader().until(topic, type, l -> l.size() >= atLeast, TIMEOUT);
    }

    /**
     * By default ({@code trainer.encoder.serve=false}) z is compared with the features alone once per encoder and never
     * served; with {@code true} the refit serves whichever does better.
     */
    @ParameterizedTest(name = "trainer.encoder.serve={0}")
    @ValueSource(booleans = {false, true})
    void trainsPublishesAndComparesAnEncoderOnceTheZooIsLargeEnough(boolean serve) throws Exception {
        Topics topics = new Topics("it-encoder-" + serve + ".");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 2, (short) 1);
        Random random = new Random(5);
        Map<String, byte[]> lastCheckpoint = produceRuns(topics, 0, 24, random);
        Map<String, String> given = new HashMap<>(settings(topics, 3).asMap());
        if (serve) {
            given.put("trainer.encoder.serve", "true");
        }
        try (TrainerService service = new TrainerService(Settings.of(given))) {
            service.start();
            List<EncoderVersion> encoders = readAll(topics.encoders(), EncoderVersion.class, 1);
            assertThat(encoders).hasSize(1);
            EncoderVersion v = encoders.get(0);
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.architecture()).isEqualTo("conv1:4x10,conv2:4x37,conv3:4x37,dense:10x5");
            assertThat(v.embeddingDim()).isEqualTo(8);
            assertThat(v.trainingCheckpoints()).isGreaterThan(40).isLessThan(24 * STEPS);
            assertThat(v.finalLoss()).isFinite();
            assertThat(v.reconstructionR2()).isFinite();

            // the published encoder loads anywhere and embeds a checkpoint of its architecture
            WeightTokens probe = WeightTokens.of(SafeTensors.read(lastCheckpoint.get("run-03")));
            HyperRepresentation loaded = HyperRepresentation.fromBytes(v.encoderBytes(), probe.signature());
            float[] z = loaded.embed(probe);
            assertThat(z).hasSize(8);

            // after the encoder: a refit compared features vs features + z; the served model reads z only if it won
            List<ModelVersion> models;
            if (serve) {
                models = awaitModelAfterEncoder(topics);
            } else {
                Await.until("a refit compared features with features + z", TIMEOUT, () -> MetricsText.value(Http.get(service.port(),
                        "/metrics").body(), "weightcast_trainer_inputs_holdout_r2{inputs=\"both\"}").isPresent());
                models = readAll(topics.models(), ModelVersion.class, 1);
            }
            ModelVersion last = models.get(models.size() - 1);
            if (!serve) {
                assertThat(last.embeddingColumns()).as("z compared, never served").isZero();
                assertThat(last.featureNames()).isEqualTo(FeatureLayout.names());
            } else if (last.embeddingColumns() > 0) {
                assertThat(last.encoderVersion()).isEqualTo(1);
                assertThat(last.featureNames()).hasSize(FeatureLayout.size() + 8);
                assertThat(last.ablations()).containsKeys("embedding", "statistics");
            } else {
                assertThat(last.featureNames()).isEqualTo(FeatureLayout.names());
            }
            SafeTensors file = SafeTensors.read(lastCheckpoint.get("run-03"));
            double[] values = FeatureExtractor.extract(file, CheckpointMetadata.parse(file.metadata(), "run-03"), 0L).values();
            try (AccuracyModel model = AccuracyModel.load(last)) {
                double p = model.predict(ModelInputs.row(last, values, new Embedding(1, z)));
                assertThat(p).isBetween(0.0, 1.0);
            }
            String metrics = new String(new java.net.URL("http://127.0.0.1:" + service.port() + "/metrics").openStream().readAllBytes());
            assertThat(metrics).contains("weightcast_trainer_encoder_version 1.0")
                    .contains("weightcast_trainer_inputs_holdout_r2{inputs=\"embedding\"}")
                    .contains("weightcast_trainer_inputs_holdout_r2{inputs=\"both\"}")
                    .contains("weightcast_trainer_encoder_checkpoints_total{outcome=\"held\"} 96.0");
            assertThat(metric(service, "weightcast_trainer_encoder_rested_seconds_total"))
                    .as("the training rested between steps for its CPU share (0.5 by default)").isGreaterThan(0.0);
            for (String task : List.of("final_accuracy", "generalization_gap", "epoch")) {
                for (String inputs : List.of("statistics", "embedding", "both")) {
                    assertThat(metrics).containsPattern("weightcast_trainer_task_holdout_r2\\{(inputs=\"" + inputs + "\",task=\""
                            + task + "\"|task=\"" + task + "\",inputs=\"" + inputs + "\")\\} -?[0-9]");
                }
            }
        }
    }

    /**
     * The predictor goes first (issue 19): a refit that falls due while an encoder trains runs at once, without
     * waiting for the training, and the training pauses meanwhile (whether it reaches a step during the fit depends
     * on the machine's speed, so the pause is printed, not asserted).
     */
    @Test
    void aRefitDueWhileTheEncoderTrainsRunsAtOnceAndTheTrainingYields() throws Exception {
        Topics topics = new Topics("it-encoder-yield.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 2, (short) 1);
        Random random = new Random(7);
        produceRuns(topics, 0, 24, random);
        // 1,000 epochs: the training cannot end during the test; closing the trainer stops it at its next step
        try (TrainerService service = new TrainerService(settings(topics, 1000))) {
            service.start();
            Await.until("version 1 and an encoder training under way", TIMEOUT, () -> service.snapshot().currentVersion() == 1
                    && metric(service, "weightcast_trainer_encoder_training") == 1.0);
            assertThat(service.snapshot().zooRuns()).isEqualTo(24);

            produceRuns(topics, 24, 30, random); // 6 more finished runs: a refit is due (trainer.refit.every 5)
            Await.until("a refit after the new runs", TIMEOUT, () -> service.snapshot().zooRuns() == 30
                    && service.snapshot().fitsPublished() + service.snapshot().fitsRejected() >= 2);
            ZooSnapshot s = service.snapshot();
            assertThat(s.fitsFailed()).isZero();
            assertThat(metric(service, "weightcast_trainer_encoder_training")).as("the encoder still trains").isEqualTo(1.0);
            assertThat(metric(service, "weightcast_trainer_encoder_trainings_total{outcome=\"published\"}")).isZero();
            double paused = metric(service, "weightcast_trainer_encoder_paused_seconds_total");
            assertThat(paused).isGreaterThanOrEqualTo(0);
            System.out.printf("encoder training paused %.2f s for the refit%n", paused);
        }
    }

    private static Settings settings(Topics topics, int encoderEpochs) {
        return Settings.of(Map.ofEntries(
                Map.entry(Settings.BOOTSTRAP, KAFKA.bootstrapServers()), Map.entry(Settings.TOPIC_PREFIX, topics.prefix()),
                Map.entry(TrainerSettings.PORT.name(), "0"), Map.entry(TrainerSettings.MIN_RUNS.name(), "10"),
                Map.entry(TrainerSettings.REFIT_EVERY.name(), "5"),
                Map.entry("trainer.encoder.min.runs", "20"), Map.entry("trainer.encoder.epochs", Integer.toString(encoderEpochs)),
                Map.entry("trainer.encoder.d.model", "16"), Map.entry("trainer.encoder.heads", "2"),
                Map.entry("trainer.encoder.blocks", "1"), Map.entry("trainer.encoder.embedding.dim", "8"),
                Map.entry("trainer.encoder.batch.size", "16")));
    }

    /** Runs {@code from} until {@code to}: started, a checkpoint and its features per step, finished; their last checkpoints. */
    private static Map<String, byte[]> produceRuns(Topics topics, int from, int to, Random random) {
        Map<String, byte[]> lastCheckpoint = new HashMap<>();
        for (int i = from; i < to; i++) {
            String run = String.format("run-%02d", i);
            double quality = random.nextDouble();
            send(topics.runs(), run, Json.bytes(RunEvent.started(run, "s", Map.of(), STEPS)));
            for (int step = 1; step <= STEPS; step++) {
                byte[] bytes = checkpoint(run, step, quality, random);
                SafeTensors file = SafeTensors.read(bytes);
                send(topics.checkpoints(), run, bytes);
                send(topics.features(), run, Json.bytes(FeatureExtractor.extract(file,
                        CheckpointMetadata.parse(file.metadata(), run), 0L)));
                lastCheckpoint.put(run, bytes);
            }
            send(topics.runs(), run, Json.bytes(RunEvent.finished(run, "s", Map.of("test_accuracy", 0.1 + 0.8 * quality,
                    "train_accuracy", 0.15 + 0.8 * quality + 0.05 * random.nextDouble()))));
        }
        return lastCheckpoint;
    }

    private static double metric(TrainerService service, String series) {
        return MetricsText.required(Http.get(service.port(), "/metrics").body(), series);
    }

    private static List<ModelVersion> awaitModelAfterEncoder(Topics topics) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<ModelVersion> models = readAll(topics.models(), ModelVersion.class, 2);
            if (models.size() >= 2) {
                return models;
            }
        }
        throw new AssertionError("no refit after the encoder was published");
    }
}
