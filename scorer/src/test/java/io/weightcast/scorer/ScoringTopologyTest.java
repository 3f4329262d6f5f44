package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.core.records.SpectraProgress;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.scorer.policy.DyingReluPolicy;
import io.weightcast.scorer.policy.EarlyStopPolicy;
import io.weightcast.scorer.policy.NonfiniteWeightsPolicy;
import io.weightcast.scorer.policy.SpectralCollapsePolicy;
import io.weightcast.testkit.MetricsText;
import io.weightcast.testkit.TopologyTestDrivers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoringTopologyTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final String STUDY = "digits";
    /** Predicts ≈ 0.2 + 0.7·val_acc: val_acc 0.1 → ~0.27, val_acc 0.95 → ~0.87. */
    private static ModelVersion v1;
    /** Predicts ≈ 0.9 − 0.6·val_acc: clearly different from v1 for the same vector. */
    private static ModelVersion v2;

    private final ModelCache models = new ModelCache();
    private final ScorerMetrics metrics = new ScorerMetrics();
    private final List<DeadLetter> globalDeadLetters = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> modelsIn;
    private TestInputTopic<String, byte[]> runsIn;
    private TestInputTopic<String, byte[]> featuresIn;
    private TestInputTopic<String, byte[]> spectraIn;
    private TestOutputTopic<String, Score> scoresOut;
    private TestOutputTopic<String, Alert> alertsOut;
    private TestOutputTopic<String, DeadLetter> deadLettersOut;

    @BeforeAll
    static void trainModels() {
        v1 = TinyModels.train(1, a -> 0.2 + 0.7 * a, Map.of(STUDY, 0.8));
        v2 = TinyModels.train(2, a -> 0.9 - 0.6 * a, Map.of(STUDY, 0.8));
    }


    @BeforeEach
    void startDriver() throws Exception {
        // k = 2 on the 80% interval: the early-stop test below checks the streak; every alert kind on
        startDriver(new ScorerConfig(0.5, null, 2, 0.0, ScorerConfig.INTERVAL_RULE, 0.8, Set.copyOf(ScorerConfig.ALERT_KINDS)));
    }

    private void startDriver(ScorerConfig config) throws Exception {
        driver = TopologyTestDrivers.create(ScoringTopology.build(TOPICS, config, models, metrics,
                (key, letter) -> globalDeadLetters.add(letter)), ProductionProperties.scoring());
        StringSerializer keys = new StringSerializer();
        ByteArraySerializer values = new ByteArraySerializer();
        modelsIn = driver.createInputTopic(TOPICS.models(), keys, values);
        runsIn = driver.createInputTopic(TOPICS.runs(), keys, values);
        featuresIn = driver.createInputTopic(TOPICS.features(), keys, values);
        spectraIn = driver.createInputTopic(TOPICS.spectra(), keys, values);
        scoresOut = driver.createOutputTopic(TOPICS.scores(), new StringDeserializer(), JsonSerde.of(Score.class).deserializer());
        alertsOut = driver.createOutputTopic(TOPICS.alerts(), new StringDeserializer(), JsonSerde.of(Alert.class).deserializer());
        deadLettersOut = driver.createOutputTopic(TOPICS.deadLetters(), new StringDeserializer(), JsonSerde.of(DeadLetter.class).deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
        models.close();
    }

    private void publish(ModelVersion m) {
        modelsIn.pipeInput(m.name(), Json.bytes(m));
    }

    private void feature(FeatureVector fv) {
        featuresIn.pipeInput(fv.runId(), Json.bytes(fv));
    }

    private Score scoreOf(FeatureVector fv) {
        feature(fv);
        return scoresOut.readValue();
    }

    @Test
    void beforeAnyModelAScoreHasNoPredictionAndSaysWhy() {
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // scored_at is the stream's wall clock, mocked by the driver
        Score s = scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, TinyModels.healthy()));

        assertThat(s.runId()).isEqualTo("r1");
        assertThat(s.step()).isEqualTo(1);
        assertThat(s.predictedFinalAccuracy()).isNull();
        assertThat(s.interval()).isNull();
        assertThat(s.modelVersion()).isNull();
        assertThat(s.note()).isEqualTo("no model yet: the trainer publishes one after trainer.min.runs finished runs");
        assertThat(s.featuresVersion()).isEqualTo(FeatureLayout.VERSION);
        assertThat(s.scoredAt()).isGreaterThan(s.checkpointTimestamp());
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_scores_total")).isEqualTo(1.0);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_ingest_to_score_seconds_count")).isEqualTo(1.0);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_ingest_to_score_seconds_sum"))
                .isCloseTo((s.scoredAt() - s.checkpointTimestamp()) / 1000.0, Offset.offset(1e-9));
    }

    @Test
    void aPublishedModelScoresAndANewerVersionSwapsInWithoutRestart() {
        FeatureVector fv = TinyModels.vector("r1", 3, 18, STUDY, 0.9, TinyModels.healthy());
        publish(v1);
        Score first = scoreOf(fv);

        assertThat(first.modelVersion()).isEqualTo(1);
        assertThat(first.predictedFinalAccuracy()).isBetween(0.0, 1.0).isCloseTo(0.83, Offset.offset(0.1));
        assertThat(first.interval().level()).isEqualTo(0.8);
        assertThat(first.interval().low()).isLessThanOrEqualTo(first.predictedFinalAccuracy());
        assertThat(first.interval().high()).isGreaterThanOrEqualTo(first.predictedFinalAccuracy());
        assertThat(first.intervals()).extracting(i -> i.level()).containsExactly(0.8, 0.95);
        assertThat(first.note()).isNull();
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_model_version")).isEqualTo(1.0);
        assertThat(MetricsText.valueOrNaN(metrics.registry(),
                "weightcast_run_predicted_final_accuracy{run_id=\"r1\",study=\"digits\"}")).isEqualTo(first.predictedFinalAccuracy());

        publish(v2);
        Score second = scoreOf(fv);
        assertThat(second.modelVersion()).isEqualTo(2);
        assertThat(second.predictedFinalAccuracy()).isCloseTo(0.36, Offset.offset(0.1));

        publish(v1); // an older version arriving late does not replace the newer one
        assertThat(scoreOf(fv).modelVersion()).isEqualTo(2);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_model_version")).isEqualTo(2.0);
    }

    @Test
    void aModelOfAnotherFeatureLayoutIsNotUsedAndTheScoreSaysWhy() {
        publish(TinyModels.withLayout(v1, 99));
        Score s = scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, TinyModels.healthy()));

        assertThat(s.predictedFinalAccuracy()).isNull();
        assertThat(s.modelVersion()).isNull();
        assertThat(s.note()).contains("layout 99").contains("layout " + FeatureLayout.VERSION);
    }

    @Test
    void nonFiniteWeightsRaiseACriticalAlertAndFlagTheScore() {
        publish(v1);
        Health nan = new Health(3, List.of("conv1.weight"), Map.of("conv2", 0.0));
        Score s = scoreOf(TinyModels.vector("r1", 4, 18, STUDY, 0.5, nan));

        assertThat(s.flags()).contains(NonfiniteWeightsPolicy.FLAG);
        Alert a = alertsOut.readValue();
        assertThat(a.kind()).isEqualTo(Alert.NONFINITE_WEIGHTS);
        assertThat(a.severity()).isEqualTo("critical");
        assertThat(a.runId()).isEqualTo("r1");
        assertThat(a.step()).isEqualTo(4);
        assertThat(a.modelVersion()).isEqualTo(1);
        assertThat(a.study()).isEqualTo(STUDY);
        assertThat(a.raisedAt()).isPositive();
        assertThat(a.evidence()).containsEntry("nonfinite_values", 3).containsEntry("tensors", List.of("conv1.weight"));
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_alerts_total{kind=\"NONFINITE_WEIGHTS\"}")).isEqualTo(1.0);
    }

    @Test
    void dyingReluIsRaisedOncePerRunAndAgainOnlyWhenALayerIsEntirelyDead() {
        Health dead = new Health(0, List.of(), Map.of("conv2", 0.2, "conv3", 0.9));
        for (int step = 1; step <= 3; step++) {
            assertThat(scoreOf(TinyModels.vector("r1", step, 18, STUDY, 0.5, dead)).flags()).contains(DyingReluPolicy.FLAG);
        }
        List<Alert> alerts = alertsOut.readValuesToList();
        assertThat(alerts).hasSize(1);
        Alert a = alerts.get(0);
        assertThat(a.kind()).isEqualTo(Alert.DYING_RELU);
        assertThat(a.severity()).isEqualTo("warning");
        assertThat(a.step()).isEqualTo(1);
        assertThat(a.modelVersion()).isNull();
        assertThat(a.evidence()).containsEntry("layer", "conv3").containsEntry("dead_fraction", 0.9)
                .containsEntry("dead_fractions", Map.of("conv2", 0.2, "conv3", 0.9));

        feature(TinyModels.vector("r1", 4, 18, STUDY, 0.5, new Health(0, List.of(), Map.of("conv3", 1.0))));
        assertThat(alertsOut.readValuesToList()).singleElement().satisfies(w -> {
            assertThat(w.evidence()).containsEntry("dead_fraction", 1.0);
            assertThat(w.severity()).isEqualTo("critical");
        });

        feature(TinyModels.vector("r2", 1, 18, STUDY, 0.5, new Health(0, List.of(), Map.of("conv3", 0.3))));
        assertThat(alertsOut.isEmpty()).as("0.3 is below the 0.5 threshold").isTrue();
    }

    @Test
    void spectralCollapseIsJudgedFromInlineSpectraAndFromTheSpectraTopicWithOneMemory() {
        Map<String, LayerSpectralHealth> inBand = Map.of("conv2", spectral(3.2, 0));
        assertThat(scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, new Health(0, List.of(), Map.of(), inBand))).flags())
                .doesNotContain(SpectralCollapsePolicy.FLAG);
        assertThat(alertsOut.isEmpty()).isTrue();
        // step 2 was large: its features came without spectra, which arrive later on the spectra topic
        Score s2 = scoreOf(TinyModels.vector("r1", 2, 18, STUDY, 0.5, new Health(0, List.of(), Map.of())));
        assertThat(s2.flags()).doesNotContain(SpectralCollapsePolicy.FLAG);
        Map<String, LayerSpectralHealth> collapsed = Map.of("conv2", spectral(1.4, 0));
        // a progress record (the layers done so far of a long analysis) is not the checkpoint's spectra: not judged
        spectraIn.pipeInput("r1", Json.bytes(new SpectralSummary("r1", 2, 18, STUDY, FeatureLayout.VERSION, null, collapsed, 0.2,
                1L, 2L, new SpectraProgress(1, 3, "conv2", 0.4))));
        assertThat(alertsOut.isEmpty()).isTrue();
        spectraIn.pipeInput("r1", Json.bytes(new SpectralSummary("r1", 2, 18, STUDY, FeatureLayout.VERSION,
                FeatureLayout.spectralSection(collapsed), collapsed, 0.5, 1L, 2L, null)));
        assertThat(alertsOut.readValuesToList()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Alert.SPECTRAL_COLLAPSE);
            assertThat(a.step()).isEqualTo(2);
            assertThat(a.study()).isEqualTo(STUDY);
            assertThat(a.evidence().toString()).contains("conv2").contains("1.4");
        });
        // the next inline checkpoint is still collapsed: flagged, not alerted again
        Score s3 = scoreOf(TinyModels.vector("r1", 3, 18, STUDY, 0.5, new Health(0, List.of(), Map.of(), collapsed)));
        assertThat(s3.flags()).contains(SpectralCollapsePolicy.FLAG);
        assertThat(alertsOut.isEmpty()).isTrue();
        spectraIn.pipeInput("r1", "not json".getBytes(StandardCharsets.UTF_8));
        assertThat(deadLettersOut.readValuesToList()).singleElement()
                .satisfies(d -> assertThat(d.sourceTopic()).isEqualTo(TOPICS.spectra()));
    }

    @Test
    void alertKindsThatAreOffStillFlagTheScoresButRaiseNothingOnEitherPath() throws Exception {
        driver.close();
        startDriver(ScorerConfig.defaults());
        Map<String, LayerSpectralHealth> inBand = Map.of("conv2", spectral(3.2, 0));
        Map<String, LayerSpectralHealth> collapsed = Map.of("conv2", spectral(1.4, 0));
        scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, new Health(0, List.of(), Map.of(), inBand)));
        Score s2 = scoreOf(TinyModels.vector("r1", 2, 18, STUDY, 0.5, new Health(0, List.of(), Map.of(), collapsed)));
        assertThat(s2.flags()).contains(SpectralCollapsePolicy.FLAG);
        scoreOf(TinyModels.vector("r2", 1, 18, STUDY, 0.5, new Health(0, List.of(), Map.of(), inBand)));
        spectraIn.pipeInput("r2", Json.bytes(new SpectralSummary("r2", 2, 18, STUDY, FeatureLayout.VERSION,
                FeatureLayout.spectralSection(collapsed), collapsed, 0.5, 1L, 2L, null)));
        assertThat(alertsOut.readValuesToList()).extracting(Alert::kind).doesNotContain(Alert.SPECTRAL_COLLAPSE);
        // an alert kind that is on still goes out
        scoreOf(TinyModels.vector("r3", 1, 18, STUDY, 0.5, new Health(2, List.of("conv1.weight"), Map.of())));
        assertThat(alertsOut.readValuesToList()).extracting(Alert::kind).containsExactly(Alert.NONFINITE_WEIGHTS);
    }

    private static LayerSpectralHealth spectral(double alpha, int rankLoss) {
        return new LayerSpectralHealth("success", 144, rankLoss, alpha, null, null, null, null, null, null);
    }

    @Test
    void anEarlyStopCandidateIsRaisedAfterConsecutiveLowCheckpointsOnce() {
        publish(v1); // reference for the study: 0.8
        Score low1 = scoreOf(TinyModels.vector("slow", 1, 18, STUDY, 0.1, TinyModels.healthy()));
        assertThat(low1.interval().high()).isLessThan(0.8);
        assertThat(low1.flags()).doesNotContain(EarlyStopPolicy.FLAG);
        assertThat(alertsOut.isEmpty()).as("one low checkpoint is not enough (k=2)").isTrue();

        Score low2 = scoreOf(TinyModels.vector("slow", 2, 18, STUDY, 0.1, TinyModels.healthy()));
        assertThat(low2.flags()).contains(EarlyStopPolicy.FLAG);
        Alert a = alertsOut.readValue();
        assertThat(a.kind()).isEqualTo(Alert.EARLY_STOP_CANDIDATE);
        assertThat(a.severity()).isEqualTo("info");
        assertThat(a.step()).isEqualTo(2);
        assertThat(a.modelVersion()).isEqualTo(1);
        assertThat(a.evidence()).containsEntry("reference", 0.8).containsEntry("consecutive", 2)
                .containsEntry("upper", low2.interval().high()).containsEntry("predicted", low2.predictedFinalAccuracy());

        assertThat(scoreOf(TinyModels.vector("slow", 3, 18, STUDY, 0.1, TinyModels.healthy())).flags()).contains(EarlyStopPolicy.FLAG);
        assertThat(alertsOut.isEmpty()).as("raised once per run").isTrue();

        for (int step = 1; step <= 3; step++) {
            feature(TinyModels.vector("good", step, 18, STUDY, 0.95, TinyModels.healthy()));
        }
        assertThat(alertsOut.isEmpty()).as("a run predicted above the reference is no candidate").isTrue();
    }

    @Test
    void runEventsFillInStudyAndPlannedStepsAndAFinishedRunScoredLateStillGetsHealthAlerts() {
        runsIn.pipeInput("r1", Json.bytes(RunEvent.started("r1", "from-runs", Map.of("lr", 0.1), 10)));
        Score s = scoreOf(TinyModels.vector("r1", 1, null, null, 0.5, TinyModels.healthy()));
        assertThat(s.study()).isEqualTo("from-runs");
        assertThat(s.plannedSteps()).isEqualTo(10);

        runsIn.pipeInput("r1", Json.bytes(RunEvent.finished("r1", "from-runs", Map.of("test_accuracy", 0.9))));
        Score late = scoreOf(TinyModels.vector("r1", 10, null, null, 0.5, new Health(5, List.of("fc.weight"), Map.of())));
        assertThat(late.flags()).contains(NonfiniteWeightsPolicy.FLAG);
        assertThat(alertsOut.readValuesToList()).extracting(Alert::kind).containsExactly(Alert.NONFINITE_WEIGHTS);
    }

    @Test
    void malformedInputBecomesADeadLetterAndTheNextRecordIsStillScored() {
        byte[] garbage = "{\"run_id\": \"r1\", \"step\": ".getBytes(StandardCharsets.UTF_8);
        featuresIn.pipeInput("r1", garbage);
        runsIn.pipeInput("r1", "{\"type\":\"exploded\"}".getBytes(StandardCharsets.UTF_8));
        Score next = scoreOf(TinyModels.vector("r1", 2, 18, STUDY, 0.5, TinyModels.healthy()));

        List<DeadLetter> letters = deadLettersOut.readValuesToList();
        assertThat(letters).hasSize(2);
        DeadLetter bad = letters.stream().filter(d -> TOPICS.features().equals(d.sourceTopic())).findFirst().orElseThrow();
        assertThat(bad.service()).isEqualTo("scorer");
        assertThat(bad.reason()).startsWith("not a valid FeatureVector");
        assertThat(bad.partition()).isZero();
        assertThat(bad.offset()).isZero();
        assertThat(bad.key()).isEqualTo("r1");
        assertThat(Base64.getDecoder().decode(bad.valueBase64())).isEqualTo(garbage);
        assertThat(bad.valueBytes()).isEqualTo(garbage.length);
        assertThat(letters).anySatisfy(d -> {
            assertThat(d.sourceTopic()).isEqualTo(TOPICS.runs());
            assertThat(d.reason()).contains("started, metrics or finished");
        });
        assertThat(next.step()).isEqualTo(2);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"malformed_feature_vector\"}")).isEqualTo(1.0);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"malformed_run_event\"}")).isEqualTo(1.0);
    }

    @Test
    void aMalformedModelVersionIsDeadLetteredAndTheNextOneStillLoads() {
        modelsIn.pipeInput(ModelVersion.ACCURACY_MODEL, "not json".getBytes(StandardCharsets.UTF_8));
        assertThat(globalDeadLetters).singleElement().satisfies(d -> {
            assertThat(d.sourceTopic()).isEqualTo(TOPICS.models());
            assertThat(d.reason()).startsWith("not a valid ModelVersion");
        });
        publish(v1);
        assertThat(scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, TinyModels.healthy())).modelVersion()).isEqualTo(1);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"malformed_model_version\"}")).isEqualTo(1.0);
    }

    @Test
    void aModelVersionThatDoesNotLoadIsDeadLetteredAndTheLiveModelStays() {
        publish(v1);
        ModelVersion broken = ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(5)
                .layoutVersion(v1.layoutVersion()).featureNames(v1.featureNames()).modelText("this is not a LightGBM model")
                .trainingRuns(1).trainingRows(1).holdout(v1.holdout()).residualQuantiles(v1.residualQuantiles())
                .studyReferences(v1.studyReferences()).createdAt(0).build();
        publish(broken);

        assertThat(globalDeadLetters).singleElement().satisfies(d -> assertThat(d.reason()).contains("version 5 does not load"));
        assertThat(scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, TinyModels.healthy())).modelVersion()).isEqualTo(1);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"model_not_loadable\"}")).isEqualTo(1.0);
    }

    @Test
    void aVersionThatJumpsFarAboveTheLastOneIsDeadLetteredAndTheLiveModelStays() {
        publish(v1);
        publish(v2.toBuilder().version(Integer.MAX_VALUE).build());
        assertThat(globalDeadLetters).singleElement().satisfies(d -> assertThat(d.reason())
                .contains("version " + Integer.MAX_VALUE + " jumps more than " + ModelUpdater.MAX_VERSION_STEP + " above version 1"));
        assertThat(scoreOf(TinyModels.vector("r1", 1, 18, STUDY, 0.5, TinyModels.healthy())).modelVersion()).isEqualTo(1);
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"model_version_jump\"}"))
                .isEqualTo(1.0);

        // the trainer's next version (a skipped number or two is no jump) still goes live
        publish(v2.toBuilder().version(3).build());
        assertThat(scoreOf(TinyModels.vector("r2", 1, 18, STUDY, 0.5, TinyModels.healthy())).modelVersion()).isEqualTo(3);
    }

    @Test
    void theRunStoreForgetsRunsThatFinishedLongerAgoThanTheRetention() {
        long now = System.currentTimeMillis();
        java.time.Instant longAgo = java.time.Instant.ofEpochMilli(now - RunTracker.DEFAULT_RETENTION_MS - 86_400_000L);
        java.time.Instant recently = java.time.Instant.ofEpochMilli(now - 86_400_000L);
        for (String run : List.of("old", "recent", "running")) {
            runsIn.pipeInput(run, Json.bytes(RunEvent.started(run, STUDY, Map.of(), 10)), longAgo);
        }
        runsIn.pipeInput("old", Json.bytes(RunEvent.finished("old", STUDY, Map.of("test_accuracy", 0.9))), longAgo);
        runsIn.pipeInput("recent", Json.bytes(RunEvent.finished("recent", STUDY, Map.of("test_accuracy", 0.9))), recently);
        org.apache.kafka.streams.state.KeyValueStore<String, RunState> store = driver.getKeyValueStore(ScoringTopology.RUN_STORE);
        assertThat(store.get("old")).isNotNull();

        driver.advanceWallClockTime(RunTracker.SWEEP);

        assertThat(store.get("old")).as("finished more than the retention ago").isNull();
        assertThat(store.get("recent")).as("finished a day ago").isNotNull();
        assertThat(store.get("running")).as("never finished, started long ago").isNotNull();
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_run_store_expired_total")).isEqualTo(1.0);
    }

    @Test
    void theJsonLiteralNullOnRunsIsAMalformedRunEvent() {
        runsIn.pipeInput("r1", "null".getBytes(StandardCharsets.UTF_8));
        runsIn.pipeInput("r1", Json.bytes(RunEvent.started("r2", STUDY, Map.of(), 10))); // key and run_id disagree
        assertThat(deadLettersOut.readValuesToList()).extracting(DeadLetter::reason)
                .containsExactly("run event is the JSON literal null", "run event's run_id 'r2' differs from its key 'r1'");
        assertThat(MetricsText.valueOrNaN(metrics.registry(), "weightcast_scorer_dead_letters_total{reason=\"malformed_run_event\"}"))
                .isEqualTo(2.0);
    }
}
