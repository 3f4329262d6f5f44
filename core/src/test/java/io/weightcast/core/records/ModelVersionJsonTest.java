package io.weightcast.core.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The models topic's wire format: the trainer publishes these bytes and the scorer reads them, so they must not drift. */
class ModelVersionJsonTest {
    private static final String FULL = "{\"name\":\"final-accuracy\",\"version\":7,\"layout_version\":3,\"feature_names\":[\"step_fraction\""
            + ",\"embedding_0\"],\"model_text\":\"tree\",\"training_runs\":120,\"training_rows\":4800"
            + ",\"holdout\":{\"r2\":0.9,\"mae\":0.02,\"kendall_tau\":0.8,\"runs\":30,\"rows\":1200}"
            + ",\"residual_quantiles\":{\"0.8\":0.05},\"study_references\":{\"cifar\":0.71}"
            + ",\"created_at\":1700000000000,\"ablations\":{\"spectra\":{\"r2\":0.85,\"mae\":0.03"
            + ",\"kendall_tau\":0.75,\"runs\":30,\"rows\":1200}},\"encoder_version\":4"
            + ",\"chance_floor\":{\"level\":0.1,\"decision_probability\":0.5,\"model_text\":\"floor\""
            + ",\"training_runs\":90},\"top_run_rule\":{\"label_percentile\":0.95,\"reference_percentile\":0.75"
            + ",\"alpha\":0.1,\"consecutive\":2,\"thresholds\":[0.3,0.4],\"model_text\":\"rule\""
            + ",\"calibration_runs\":60,\"label_cuts\":{\"*\":0.75,\"cifar\":0.8},\"guard_level\":0.8,\"guard_percentile\":0.95,\"guard_margins\":[0.05,1.0]},\"stage_residual_quantiles\":[{\"0.8\":0.07}]"
            + ",\"stage_models\":[{\"from_step_fraction\":0.5,\"model_text\":\"late\"}],\"alert_probability\":0.7}";
    private static final String MINIMAL = "{\"name\":\"dying-relu\",\"version\":1,\"layout_version\":3,\"feature_names\":[\"a\"],\"model_text\":\"t\""
            + ",\"training_runs\":1,\"training_rows\":2,\"holdout\":null,\"residual_quantiles\":null"
            + ",\"study_references\":null,\"created_at\":5,\"ablations\":{},\"encoder_version\":null"
            + ",\"chance_floor\":null,\"top_run_rule\":null,\"stage_residual_quantiles\":null"
            + ",\"stage_models\":null,\"alert_probability\":null}";

    @Test
    void everyFieldKeepsItsNameAndShape() {
        ModelVersion full = ModelVersion.builder().name("final-accuracy").version(7).layoutVersion(3)
                .featureNames(List.of("step_fraction", "embedding_0")).modelText("tree").trainingRuns(120).trainingRows(4800)
                .holdout(new HoldoutMetrics(0.9, 0.02, 0.8, 30, 1200)).residualQuantiles(Map.of("0.8", 0.05))
                .studyReferences(Map.of("cifar", 0.71)).createdAt(1700000000000L)
                .ablations(Map.of("spectra", new HoldoutMetrics(0.85, 0.03, 0.75, 30, 1200))).encoderVersion(4)
                .chanceFloor(new ChanceFloor(0.1, 0.5, "floor", 90))
                .topRunRule(new TopRunRule(0.95, 0.75, 0.1, 2, List.of(0.3, 0.4), "rule", 60, Map.of("cifar", 0.8, TopRunRule.ALL_STUDIES, 0.75), 0.8, 0.95, List.of(0.05, 1.0)))
                .stageResidualQuantiles(List.of(Map.of("0.8", 0.07))).stageModels(List.of(new StageModel(0.5, "late"))).alertProbability(0.7).build();
        assertThat(Json.string(full)).isEqualTo(FULL);
        assertThat(Json.read(FULL.getBytes(StandardCharsets.UTF_8), ModelVersion.class)).isEqualTo(full);
        assertThat(full.toBuilder().build()).isEqualTo(full);
    }

    @Test
    void aRuleFromBeforeTheGuardReadsAsUnguarded() {
        String old = "{\"label_percentile\":0.9,\"reference_percentile\":0.8,\"alpha\":0.25,\"consecutive\":1"
                + ",\"thresholds\":[0.1],\"model_text\":\"rule\",\"calibration_runs\":12}";
        TopRunRule rule = Json.read(old.getBytes(StandardCharsets.UTF_8), TopRunRule.class);
        assertThat(rule.guarded()).isFalse();
        assertThat(rule.labelCut("any")).isNull();
        assertThat(rule.cutPercentile()).isEqualTo(0.9); // no guard_percentile: the label percentile, as before
        assertThat(rule).isEqualTo(new TopRunRule(0.9, 0.8, 0.25, 1, List.of(0.1), "rule", 12));
    }

    @Test
    void unsetFieldsAreNullZeroOrNoAblations() {
        ModelVersion minimal = ModelVersion.builder().name("dying-relu").version(1).layoutVersion(3).featureNames(List.of("a"))
                .modelText("t").trainingRuns(1).trainingRows(2).createdAt(5L).build();
        assertThat(Json.string(minimal)).isEqualTo(MINIMAL);
        assertThat(Json.read(MINIMAL.getBytes(StandardCharsets.UTF_8), ModelVersion.class)).isEqualTo(minimal);
    }
}
