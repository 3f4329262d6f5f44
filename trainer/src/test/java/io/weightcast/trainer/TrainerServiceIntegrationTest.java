package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.config.Settings;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The trainer against one real broker: first model, restart recovery, refit, bad records. */
class TrainerServiceIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static Topics topics(String prefix) {
        Topics t = new Topics(prefix);
        TopicSetup.ensure(KAFKA.bootstrapServers(), t, 3, (short) 1);
        return t;
    }

    private static Settings settings(Topics topics) {
        return settings(topics, true);
    }

    private static Settings settings(Topics topics, boolean serveAllRuns) {
        return settings(KAFKA.bootstrapServers(), topics).with(TrainerSettings.SERVE_ALL_RUNS.name(), Boolean.toString(serveAllRuns));
    }

    /** A trainer on an ephemeral ops port, first model at 10 finished runs, a refit every 5. */
    static Settings settings(String bootstrap, Topics topics) {
        return Settings.of(Map.of(
                Settings.BOOTSTRAP, bootstrap,
                Settings.TOPIC_PREFIX, topics.prefix(),
                TrainerSettings.PORT.name(), "0",
                TrainerSettings.MIN_RUNS.name(), "10",
                TrainerSettings.REFIT_EVERY.name(), "5"));
    }

    private static void send(String topic, String key, byte[] value) {
        KAFKA.writer().send(topic, key, value);
    }

    private static List<SyntheticZoo.Run> produceRuns(Topics topics, SyntheticZoo gen, int from, int to) {
        return gen.produceRuns(KAFKA.writer(), topics, from, to);
    }

    /** Every record of the models topic, in order. */
    private static List<ModelVersion> models(Topics topics) {
        return KAFKA.reader().toEnd(topics.models(), TIMEOUT).stream().map(r -> {
            assertThat(r.key()).isEqualTo(ModelVersion.ACCURACY_MODEL);
            return Json.read(r.value(), ModelVersion.class);
        }).toList();
    }

    private static HttpResponse<String> get(TrainerService service, String path) {
        return Http.get(service.port(), path);
    }

    private double metric(TrainerService service, String series) {
        return MetricsText.required(Http.get(service.port(), "/metrics").body(), series);
    }

    private static void assertUsable(ModelVersion mv, SyntheticZoo gen, SyntheticZoo.Run probe) {
        assertThat(mv.name()).isEqualTo(ModelVersion.ACCURACY_MODEL);
        assertThat(mv.layoutVersion()).isEqualTo(FeatureLayout.VERSION);
        assertThat(mv.featureNames()).isEqualTo(FeatureLayout.names());
        assertThat(mv.modelText()).isNotBlank();
        assertThat(mv.holdout().runs()).isGreaterThanOrEqualTo(2);
        assertThat(mv.residualQuantiles()).containsOnlyKeys("0.8", "0.9", "0.95");
        assertThat(mv.residualQuantiles().get("0.8")).isLessThanOrEqualTo(mv.residualQuantiles().get("0.9"));
        assertThat(mv.residualQuantiles().get("0.9")).isLessThanOrEqualTo(mv.residualQuantiles().get("0.95"));
        assertThat(mv.studyReferences()).containsKeys("study-a", "study-b", StudyReferences.ALL_STUDIES);
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            double p = model.predict(gen.values(probe, SyntheticZoo.STEPS, SyntheticZoo.STEPS));
            assertThat(p).isBetween(0.0, 1.0);
        }
    }

    @Test
    void servedOnEveryRunTheGateComparesSplitFitsAndAfterARestartPublishesUncontested() throws Exception {
        Topics topics = topics("it-all.");
        SyntheticZoo gen = new SyntheticZoo(23);
        produceRuns(topics, gen, 0, 30);
        try (TrainerService service = new TrainerService(settings(topics))) {
            service.start();
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            ModelVersion v1 = service.currentModel().orElseThrow();
            assertThat(v1.trainingRuns() + v1.holdout().runs()).isEqualTo(30); // the split fit's counts, with its metrics
            produceRuns(topics, gen, 30, 40);
            Await.until("a refit on 40 runs", TIMEOUT, () -> service.snapshot().zooRuns() == 40
                    && service.snapshot().fitsPublished() + service.snapshot().fitsRejected() >= 2);
            // the current version saw every run, so the gate scored its split fit on the candidate's held-out runs
            assertThat(metric(service, "weightcast_trainer_current_on_holdout_r2")).isFinite();
        }
        int before = models(topics).size();
        try (TrainerService service = new TrainerService(settings(topics))) {
            service.start();
            Await.until("replay", TIMEOUT, () -> service.snapshot().caughtUp());
            produceRuns(topics, gen, 40, 50);
            Await.until("a refit on 50 runs", TIMEOUT, () -> service.snapshot().zooRuns() == 50
                    && service.snapshot().fitsPublished() >= 1);
            // its split fit is gone with the process: nothing fair to compare with, so the candidate is published
            assertThat(metric(service, "weightcast_trainer_current_on_holdout_r2")).isNaN();
            assertThat(service.snapshot().fitsRejected()).isZero();
            List<ModelVersion> all = models(topics);
            assertThat(all).hasSizeGreaterThan(before);
            assertUsable(all.get(all.size() - 1), gen, gen.nextRun("probe", "s0"));
        }
    }

    /**
     * Issue 21: with a signing key, a forged version 2³¹−1 on {@code models} (unsigned) neither becomes the trainer's last
     * version (its next would overflow) nor its current model; what the trainer publishes is signed with the key.
     */
    @Test
    void signsWhatItPublishesAndIgnoresAForgedVersion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Topics topics = topics("it-signed.");
        java.nio.file.Path keyFile = io.weightcast.core.kafka.RecordSignature.ensureKeyFile(dir.resolve("models-signing.key"));
        Settings s = settings(topics).with("models.signing.key.file", keyFile.toString());
        io.weightcast.core.kafka.RecordSignature key = io.weightcast.core.kafka.RecordSignature.from(s);
        SyntheticZoo gen = new SyntheticZoo(29);
        List<SyntheticZoo.Run> runs = produceRuns(topics, gen, 0, 12);
        ModelVersion forged = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(Integer.MAX_VALUE)
                .layoutVersion(FeatureLayout.VERSION).featureNames(FeatureLayout.names()).modelText("forged").trainingRuns(1)
                .trainingRows(1).build();
        send(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(forged));
        try (TrainerService service = new TrainerService(s)) {
            service.start();
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            assertThat(metric(service, "weightcast_trainer_malformed_records_total{topic=\"" + topics.models() + "\"}")).isEqualTo(1.0);
        }
        var records = KAFKA.reader().toEnd(topics.models(), TIMEOUT);
        assertThat(records).hasSize(2);
        var published = records.get(1);
        assertThat(Json.read(published.value(), ModelVersion.class).version()).isEqualTo(1);
        assertThat(key.verify(published.headers(), topics.models(), published.key(), published.value()))
                .isEqualTo(io.weightcast.core.kafka.RecordSignature.Verdict.VALID);
        assertThat(key.verify(records.get(0).headers(), topics.models(), records.get(0).key(), records.get(0).value()))
                .isEqualTo(io.weightcast.core.kafka.RecordSignature.Verdict.UNSIGNED);
        assertThat(runs).hasSize(12);
    }

    @Test
    void publishesRecoversAfterRestartAndRefitsDespiteMalformedRecords() throws Exception {
        // the split fit served (trainer.serve.all.runs=false): a restarted gate compares with the current version itself
        Topics topics = topics("it-zoo.");
        SyntheticZoo gen = new SyntheticZoo(21);
        produceRuns(topics, gen, 0, 15);
        // bad input mid-stream, keyed like a later run so its partition holds good records after it
        send(topics.features(), "run-0020", "{not json".getBytes(StandardCharsets.UTF_8));
        FeatureVector otherLayout = new FeatureVector("run-0021", 1, 18, null, null, FeatureLayout.VERSION + 7,
                new double[3], null, 0L, 0L);
        send(topics.features(), "run-0021", Json.bytes(otherLayout));
        send(topics.runs(), "run-0022", "{\"type\":\"finished\",\"run_id\":\"run-0022\",\"final\":{}}".getBytes(StandardCharsets.UTF_8));
        List<SyntheticZoo.Run> runs = produceRuns(topics, gen, 15, 30);

        // 1. replay of 30 finished runs → version 1
        try (TrainerService service = new TrainerService(settings(topics, false))) {
            service.start();
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            ZooSnapshot s = service.snapshot();
            assertThat(s.zooRuns()).isEqualTo(30);
            assertThat(s.featureVectors()).isEqualTo(30 * SyntheticZoo.STEPS);
            assertThat(s.fitsPublished()).isEqualTo(1);

            List<ModelVersion> published = models(topics);
            assertThat(published).extracting(ModelVersion::version).containsExactly(1);
            ModelVersion v1 = published.get(0);
            assertThat(v1.trainingRuns() + v1.holdout().runs()).isEqualTo(30);
            assertThat(v1.trainingRows() + v1.holdout().rows()).isEqualTo(30 * SyntheticZoo.STEPS);
            assertUsable(v1, gen, runs.get(0));
            assertThat(service.currentModel()).contains(v1);

            assertThat(get(service, "/ready").statusCode()).isEqualTo(200);
            assertThat(metric(service, "weightcast_trainer_malformed_records_total{topic=\"it-zoo.features\"}")).isEqualTo(2.0);
            assertThat(metric(service, "weightcast_trainer_malformed_records_total{topic=\"it-zoo.runs\"}")).isEqualTo(1.0);
            assertThat(metric(service, "weightcast_trainer_zoo_runs")).isEqualTo(30.0);
            assertThat(metric(service, "weightcast_trainer_model_version")).isEqualTo(1.0);
            assertThat(metric(service, "weightcast_trainer_holdout_r2")).isCloseTo(v1.holdout().r2(), within(1e-9));
            assertThat(metric(service, "weightcast_trainer_fits_total{outcome=\"published\"}")).isEqualTo(1.0);
            assertThat(metric(service, "weightcast_trainer_fit_duration_seconds_count")).isEqualTo(1.0);
        }

        // 2. restart: the replay recovers version 1 from the models topic and publishes nothing
        try (TrainerService service = new TrainerService(settings(topics, false))) {
            service.start();
            // the snapshot is refreshed after the fit decision of the same batch: caught up means decided
            Await.until("replay", TIMEOUT, () -> service.snapshot().caughtUp());
            ZooSnapshot s = service.snapshot();
            assertThat(s.currentVersion()).isEqualTo(1);
            assertThat(s.zooRuns()).isEqualTo(30);
            assertThat(s.fitsPublished() + s.fitsRejected() + s.fitsFailed()).isZero();
            assertThat(models(topics)).extracting(ModelVersion::version).containsExactly(1);

            // 3. ten more finished runs (and one more bad record) → a refit, published as 2 or rejected
            send(topics.features(), "run-0031", new byte[] {0, 1, 2});
            produceRuns(topics, gen, 30, 40);
            Await.until("zoo of 40", TIMEOUT, () -> service.snapshot().zooRuns() == 40);
            s = service.snapshot();
            assertThat(s.fitsPublished() + s.fitsRejected()).isGreaterThanOrEqualTo(1);
            assertThat(s.fitsFailed()).isZero();
            List<ModelVersion> all = models(topics);
            assertThat(all).extracting(ModelVersion::version)
                    .containsExactly(java.util.stream.IntStream.rangeClosed(1, 1 + (int) s.fitsPublished()).boxed().toArray(Integer[]::new));
            ModelVersion latest = all.get(all.size() - 1);
            assertThat(service.currentModel()).contains(latest);
            if (s.fitsPublished() > 0) {
                assertThat(latest.trainingRuns() + latest.holdout().runs()).isBetween(35, 40);
                assertUsable(latest, gen, runs.get(1));
            }
            // the last fit's decision compared both models on the candidate's held-out runs
            double candidateR2 = metric(service, "weightcast_trainer_candidate_holdout_r2");
            double currentR2 = metric(service, "weightcast_trainer_current_on_holdout_r2");
            assertThat(currentR2).isFinite();
            if (candidateR2 >= currentR2 - 1e-9) {
                assertThat(latest.holdout().r2()).isEqualTo(candidateR2);
                assertThat(latest.version()).isGreaterThan(1);
            } else {
                assertThat(s.fitsRejected()).isGreaterThanOrEqualTo(1);
            }
            assertThat(metric(service, "weightcast_trainer_malformed_records_total{topic=\"it-zoo.features\"}")).isEqualTo(3.0);
            assertThat(metric(service, "weightcast_trainer_fits_total{outcome=\"rejected\"}")).isEqualTo((double) s.fitsRejected());
        }
    }

    @Test
    void firstModelOnceTheZooReachesMinRuns() throws Exception {
        Topics topics = topics("it-live.");
        SyntheticZoo gen = new SyntheticZoo(5);
        try (TrainerService service = new TrainerService(settings(topics))) {
            service.start();
            Await.until("empty replay", TIMEOUT, () -> service.snapshot().caughtUp());
            assertThat(get(service, "/ready").statusCode()).isEqualTo(200);

            produceRuns(topics, gen, 0, 9);
            Await.until("9 zoo runs", TIMEOUT, () -> service.snapshot().zooRuns() == 9);
            assertThat(service.snapshot().currentVersion()).isZero();
            assertThat(service.currentModel()).isEmpty();
            assertThat(metric(service, "weightcast_trainer_model_version")).isEqualTo(0.0);

            List<SyntheticZoo.Run> tenth = produceRuns(topics, gen, 9, 10);
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            ModelVersion v1 = service.currentModel().orElseThrow();
            assertThat(v1.trainingRuns() + v1.holdout().runs()).isEqualTo(10);
            assertUsable(v1, gen, tenth.get(0));
            assertThat(models(topics)).containsExactly(v1);
        }
    }

    @Test
    void aZooLargeEnoughToCalibrateGetsAPublishedEarlyStopRuleTheScorerCanApply() throws Exception {
        Topics topics = topics("it-toprun.");
        SyntheticZoo gen = new SyntheticZoo(33);
        // 30 held-out runs: enough at the top of each study to calibrate (sent one by one: a burst of async sends
        // into topics created a moment ago hit NOT_LEADER retries that left the idempotent producer out of sequence)
        List<SyntheticZoo.Run> runs = produceRuns(topics, gen, 0, 120);
        Map<String, String> s = new java.util.HashMap<>(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(), Settings.TOPIC_PREFIX, topics.prefix(), TrainerSettings.PORT.name(), "0",
                TrainerSettings.MIN_RUNS.name(), "120", TrainerSettings.REFIT_EVERY.name(), "1000"));
        try (TrainerService service = new TrainerService(Settings.of(s))) {
            service.start();
            Await.until("version 1 on 120 runs", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            ModelVersion v1 = service.currentModel().orElseThrow();
            io.weightcast.core.records.TopRunRule rule = v1.topRunRule();
            assertThat(rule).as("published with an early-stop rule").isNotNull();
            assertThat(rule.thresholds()).hasSize(SyntheticZoo.STEPS);
            assertThat(models(topics)).containsExactly(v1); // the rule survives the models topic's JSON
            SyntheticZoo.Run best = runs.stream().max(java.util.Comparator.comparingDouble(SyntheticZoo.Run::accuracy)).orElseThrow();
            SyntheticZoo.Run worst = runs.stream().min(java.util.Comparator.comparingDouble(SyntheticZoo.Run::accuracy)).orElseThrow();
            try (AccuracyModel model = AccuracyModel.load(v1)) {
                // what the scorer does with the rule: the worst run falls below a step's threshold, the best never
                assertThat(stepsBelow(model, rule, gen, worst)).as("steps the worst run is below the threshold").isNotEmpty();
                assertThat(stepsBelow(model, rule, gen, best)).as("steps the best run is below the threshold").isEmpty();
            }
        }
    }

    private static List<Integer> stepsBelow(AccuracyModel model, io.weightcast.core.records.TopRunRule rule, SyntheticZoo gen,
                                            SyntheticZoo.Run run) {
        List<Integer> below = new java.util.ArrayList<>();
        for (int step = 1; step <= SyntheticZoo.STEPS; step++) {
            double p = model.topRunProbability(gen.values(run, step, SyntheticZoo.STEPS));
            if (p < rule.threshold((double) step / SyntheticZoo.STEPS)) {
                below.add(step);
            }
        }
        return below;
    }

    @Test
    void refusesToStartWithoutItsTopics() {
        Topics missing = new Topics("it-missing.");
        TrainerService service = new TrainerService(settings(missing));
        assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("it-missing.features").hasMessageContaining("create them first");
        service.close();
    }

    @Test
    void rejectsBadSettingsByName() {
        Settings bad = Settings.of(Map.of(Settings.BOOTSTRAP, "127.0.0.1:1", TrainerSettings.MIN_RUNS.name(), "2"));
        assertThatThrownBy(() -> new TrainerService(bad)).hasMessageContaining("trainer.min.runs");
    }
}
