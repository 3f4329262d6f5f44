package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.weightcast.app.demo.PipelineMonitor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.TopicReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole spine on real parts: an embedded KRaft broker, the four services, and a zoo of real
 * PyTorch training runs published by the Python client in /usr/bin/python3 processes.
 */
class PipelineEndToEndTest {
    private static final int RUNS = 30;
    private static final int EPOCHS = 5;

    private static Path dataDir;
    private static LocalStack stack;
    private static HttpServer webhook;
    private static final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    private static int zooExit;
    private static int lateZooExit;
    private static final String LATE = "late-";
    private static final String PREFIX = "e2e-";

    @BeforeAll
    static void runZooThroughThePipeline() throws Exception {
        System.setProperty("weightcast.home", System.getProperty("weightcast.projectRoot", "..") );
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", ex -> {
            webhookBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
        dataDir = Files.createTempDirectory("weightcast-e2e");
        stack = LocalStack.start(dataDir, 0, 0, Map.of(
                "trainer.min.runs", "10",
                "trainer.refit.every", "5",
                // a small encoder, trained once 12 runs finished: the later runs' checkpoints get z in the stream
                "trainer.encoder.enabled", "true", "trainer.encoder.min.runs", "12", "trainer.encoder.epochs", "3", "trainer.encoder.d.model", "32",
                "trainer.encoder.blocks", "1", "trainer.encoder.embedding.dim", "8",
                "scorer.webhooks", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
        assertThat(stack.awaitReady(90_000)).as("all services ready").isTrue();

        // A malformed checkpoint first: it must be dead-lettered and must not stop the pipeline.
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                KafkaConfigs.producer(stack.bootstrapServers(), "e2e-test"), new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(stack.settings().topics().checkpoints(), PREFIX + "garbage",
                    "this is not a safetensors file".getBytes(StandardCharsets.UTF_8))).get();
        }
        try (ZooProcess zoo = ZooProcess.start(stack.bootstrapServers(),
                new ZooProcess.Spec(RUNS, EPOCHS, 2, 7, "digits", PREFIX, stack.settings().topics().prefix(), true),
                dataDir.resolve("zoo.log"), p -> { })) {
            zooExit = zoo.waitFor();
        }
        // Runs that start once the trainer's first encoder is out: every one of their checkpoints gets z in the stream.
        readAll(stack.settings().topics().encoders(), EncoderVersion.class, l -> !l.isEmpty());
        try (ZooProcess late = ZooProcess.start(stack.bootstrapServers(),
                new ZooProcess.Spec(2, 2, 1, 11, "digits", LATE, stack.settings().topics().prefix(), false),
                dataDir.resolve("late-zoo.log"), p -> { })) {
            lateZooExit = late.waitFor();
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    private static <T> List<T> readAll(String topic, Class<T> type, Predicate<List<T>> until) {
        return new TopicReader(stack.bootstrapServers()).until(topic, type, until, Duration.ofSeconds(120));
    }

    @Test
    void everyCheckpointIsScoredAndLaterOnesWithTheTrainersModel() throws Exception {
        assertThat(zooExit).as("zoo exit code (see zoo.log in %s)", dataDir).isZero();
        int checkpoints = RUNS * EPOCHS;
        List<Score> scores = readAll(stack.settings().topics().scores(), Score.class,
                l -> l.stream().filter(s -> s.runId().startsWith(PREFIX)).count() >= checkpoints);
        assertThat(scores.stream().filter(s -> s.runId().startsWith(PREFIX))).hasSize(checkpoints);
        List<ModelVersion> models = readAll(stack.settings().topics().models(), ModelVersion.class, l -> !l.isEmpty());
        assertThat(models).isNotEmpty();
        assertThat(models.get(0).holdout().runs()).isGreaterThanOrEqualTo(2);
        List<Score> withModel = scores.stream().filter(s -> s.modelVersion() != null).toList();
        assertThat(withModel).as("scores made after the first model version").isNotEmpty();
        assertThat(withModel).allSatisfy(s -> {
            assertThat(s.predictedFinalAccuracy()).isBetween(0.0, 1.0);
            assertThat(s.interval()).isNotNull();
            assertThat(s.interval().low()).isLessThanOrEqualTo(s.predictedFinalAccuracy());
        });
        assertThat(scores.stream().filter(s -> s.modelVersion() == null))
                .allSatisfy(s -> assertThat(s.note()).isNotBlank());

        // intervals are calibrated per stage of training: each score's 80% interval is its stage's half-width
        List<ModelVersion> accuracy = models.stream().filter(m -> ModelVersion.ACCURACY_MODEL.equals(m.name())).toList();
        assertThat(accuracy).allSatisfy(m -> assertThat(m.stageResidualQuantiles()).hasSize(EPOCHS));
        Map<Integer, ModelVersion> byVersion = new java.util.HashMap<>();
        accuracy.forEach(m -> byVersion.put(m.version(), m));
        assertThat(withModel).allSatisfy(s -> {
            ModelVersion m = byVersion.get(s.modelVersion());
            double q = m.residualQuantiles((double) s.step() / s.plannedSteps()).get("0.8");
            assertThat(s.interval().high()).isCloseTo(Math.min(1.0, s.predictedFinalAccuracy() + q), within(1e-9));
            assertThat(s.interval().low()).isCloseTo(Math.max(0.0, s.predictedFinalAccuracy() - q), within(1e-9));
        });
    }

    @Test
    void aNaNCheckpointRaisesNonfiniteWeightsOnTheTopicAndAtTheWebhook() throws Exception {
        List<Alert> alerts = readAll(stack.settings().topics().alerts(), Alert.class,
                l -> l.stream().anyMatch(a -> a.kind().equals(Alert.NONFINITE_WEIGHTS)));
        assertThat(alerts).extracting(Alert::kind).contains(Alert.NONFINITE_WEIGHTS);
        Await.until("the alert at the webhook", Duration.ofSeconds(60),
                () -> webhookBodies.stream().anyMatch(b -> b.contains(Alert.NONFINITE_WEIGHTS)));
        assertThat(webhookBodies).anySatisfy(b -> assertThat(b).contains(Alert.NONFINITE_WEIGHTS).contains("\"run_id\""));
    }

    @Test
    void everyFeatureVectorCarriesItsSpectraAndTheModelSaysWhatTheyAdd() throws Exception {
        List<FeatureVector> features = readAll(stack.settings().topics().features(), FeatureVector.class,
                l -> l.stream().filter(f -> f.runId().startsWith(PREFIX)).count() >= RUNS * EPOCHS);
        int alphaMean = FeatureLayout.indexOf("alpha_mean");
        // the digits CNN is small: its spectra are computed inline. conv1 (1 input channel: 9 eigenvalues)
        // is below WeightWatcher's 10, so it is skipped and says so; conv2, conv3 (144) and fc (10) are fitted.
        assertThat(features.stream().filter(f -> f.runId().startsWith(PREFIX) && f.health().nonfiniteValues() == 0))
                .isNotEmpty().allSatisfy(f -> {
                    assertThat(f.health().spectra()).containsKeys("conv1", "conv2", "conv3");
                    assertThat(f.health().spectra().get("conv1").status()).isEqualTo("skipped");
                    assertThat(f.health().spectra().get("conv2").numEvals()).isEqualTo(144);
                    assertThat(f.values()[alphaMean]).isFinite();
                });
        List<ModelVersion> models = readAll(stack.settings().topics().models(), ModelVersion.class, l -> !l.isEmpty()).stream()
                .filter(m -> ModelVersion.ACCURACY_MODEL.equals(m.name())).toList();
        assertThat(models).isNotEmpty().allSatisfy(m -> assertThat(m.ablations()).containsKey("spectra"));
    }

    @Test
    void laterCheckpointsCarryTheRunsLearningCurveAndTheModelIsFitOnIt() throws Exception {
        List<FeatureVector> features = readAll(stack.settings().topics().features(), FeatureVector.class,
                l -> l.stream().filter(f -> f.runId().startsWith(PREFIX)).count() >= RUNS * EPOCHS);
        int valAcc = FeatureLayout.indexOf("metric_val_acc");
        int prev1 = FeatureLayout.indexOf("curve_val_acc_prev1");
        int best = FeatureLayout.indexOf("curve_val_acc_best");
        Map<String, Map<Long, double[]>> byRun = new java.util.HashMap<>();
        features.stream().filter(f -> f.runId().startsWith(PREFIX) && !f.runId().endsWith("garbage"))
                .forEach(f -> byRun.computeIfAbsent(f.runId(), k -> new java.util.HashMap<>()).put(f.step(), f.values()));
        assertThat(byRun).hasSize(RUNS);
        byRun.forEach((run, steps) -> {
            assertThat(steps.get(1L)[prev1]).as(run + " step 1 has no previous epoch").isNaN();
            for (long step = 2; step <= EPOCHS; step++) {
                double[] now = steps.get(step);
                double[] before = steps.get(step - 1);
                assertThat(now[prev1]).as(run + " step " + step + ": the previous epoch's val_acc").isEqualTo(before[valAcc]);
                if (Double.isFinite(now[valAcc]) && Double.isFinite(before[valAcc])) {
                    assertThat(now[best]).isGreaterThanOrEqualTo(Math.max(now[valAcc], before[valAcc]));
                }
            }
        });
        assertThat(byRun.values().stream().filter(steps -> Double.isFinite(steps.get((long) EPOCHS)[prev1])).count())
                .as("runs whose last checkpoint carries a finite curve").isGreaterThanOrEqualTo(RUNS - 1);
        List<ModelVersion> models = readAll(stack.settings().topics().models(), ModelVersion.class, l -> !l.isEmpty()).stream()
                .filter(m -> ModelVersion.ACCURACY_MODEL.equals(m.name())).toList();
        assertThat(models).isNotEmpty().allSatisfy(m -> {
            assertThat(m.layoutVersion()).isEqualTo(FeatureLayout.VERSION);
            assertThat(m.featureNames()).contains("curve_val_acc_best", "curve_val_loss_slope3");
        });
    }

    @Test
    void everyFeatureVectorCarriesTheHyperparametersItsRunDeclared() throws Exception {
        List<FeatureVector> features = readAll(stack.settings().topics().features(), FeatureVector.class,
                l -> l.stream().filter(f -> f.runId().startsWith(PREFIX)).count() >= RUNS * EPOCHS);
        Map<String, Double> declaredLr = new java.util.HashMap<>();
        readAll(stack.settings().topics().runs(), RunEvent.class, l -> l.stream().filter(e -> RunEvent.STARTED.equals(e.type())
                && e.runId().startsWith(PREFIX)).count() >= RUNS).stream()
                .filter(e -> RunEvent.STARTED.equals(e.type()) && e.runId().startsWith(PREFIX))
                .forEach(e -> declaredLr.put(e.runId(), ((Number) e.hparams().get("learning_rate")).doubleValue()));
        int lr = FeatureLayout.indexOf("hp_log10_learning_rate");
        int dropout = FeatureLayout.indexOf("hp_dropout");
        List<FeatureVector> ours = features.stream().filter(f -> f.runId().startsWith(PREFIX) && !f.runId().endsWith("garbage")).toList();
        assertThat(ours).hasSize(RUNS * EPOCHS).allSatisfy(f -> {
            // the client sends the started event's hparams with every checkpoint: the features need nothing else
            assertThat(f.values()[lr]).as(f.runId() + " step " + f.step()).isCloseTo(Math.log10(declaredLr.get(f.runId())), within(1e-9));
            assertThat(f.values()[dropout]).isBetween(0.0, 1.0);
        });
        List<ModelVersion> models = readAll(stack.settings().topics().models(), ModelVersion.class, l -> !l.isEmpty()).stream()
                .filter(m -> ModelVersion.ACCURACY_MODEL.equals(m.name())).toList();
        assertThat(models).isNotEmpty().allSatisfy(m -> assertThat(m.featureNames()).contains("hp_log10_learning_rate", "hp_init"));
    }

    @Test
    void theTrainersEncoderReachesTheStreamAndLaterCheckpointsCarryItsEmbedding() throws Exception {
        List<EncoderVersion> encoders = readAll(stack.settings().topics().encoders(), EncoderVersion.class, l -> !l.isEmpty());
        assertThat(encoders).isNotEmpty();
        EncoderVersion first = encoders.get(0);
        assertThat(first.architecture()).isEqualTo("conv1:16x10,conv2:16x145,conv3:16x145,dense:10x17");
        assertThat(first.trainingRuns()).isGreaterThanOrEqualTo(2);
        assertThat(lateZooExit).as("late zoo exit code (see late-zoo.log in %s)", dataDir).isZero();
        List<FeatureVector> features = readAll(stack.settings().topics().features(), FeatureVector.class,
                l -> l.stream().filter(f -> f.runId().startsWith(LATE)).count() >= 2 * 2);
        List<FeatureVector> late = features.stream().filter(f -> f.runId().startsWith(LATE)).toList();
        assertThat(late).as("every checkpoint after the first encoder carries z").hasSize(4).allSatisfy(f -> {
            assertThat(f.embedding()).isNotNull();
            assertThat(f.embedding().values()).hasSize(8);
            assertThat(f.embedding().encoderVersion()).isGreaterThanOrEqualTo(1);
        });
        // run ids are <prefix><seed>-<index>: the first two runs (of 2 workers) finished before any encoder was trained
        assertThat(features.stream().filter(f -> List.of(PREFIX + "7-0", PREFIX + "7-1").contains(f.runId())))
                .as("the first runs' checkpoints came before any encoder").isNotEmpty()
                .allSatisfy(f -> assertThat(f.embedding()).isNull());
    }

    @Test
    void aMalformedRecordLandsInDeadLettersWithItsReason() throws Exception {
        List<DeadLetter> letters = readAll(stack.settings().topics().deadLetters(), DeadLetter.class,
                l -> l.stream().anyMatch(d -> (PREFIX + "garbage").equals(d.key())));
        assertThat(letters).anySatisfy(d -> {
            assertThat(d.key()).isEqualTo(PREFIX + "garbage");
            assertThat(d.reason()).contains("header length");
            assertThat(d.sourceTopic()).isEqualTo(stack.settings().topics().checkpoints());
        });
    }

    @Test
    void theMonitorCountsWhatTheTopicsHold() throws Exception {
        try (PipelineMonitor monitor = new PipelineMonitor(stack.bootstrapServers(), stack.settings().topics(),
                r -> r.startsWith(PREFIX))) {
            Await.until("the monitor's " + RUNS * EPOCHS + " scores", Duration.ofSeconds(60), () -> monitor.scores() >= RUNS * EPOCHS);
            assertThat(monitor.checkpoints()).isEqualTo(RUNS * EPOCHS);
            assertThat(monitor.runsFinished()).isEqualTo(RUNS);
            assertThat(monitor.features()).isEqualTo(RUNS * EPOCHS);
            assertThat(monitor.scores()).isEqualTo(RUNS * EPOCHS);
            assertThat(monitor.deadLetters()).isGreaterThanOrEqualTo(1);
            assertThat(monitor.model()).isNotNull();
        }
    }
}
