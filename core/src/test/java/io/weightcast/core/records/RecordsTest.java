package io.weightcast.core.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordsTest {

    @Test
    void runEventsUseTheContractFieldNames() {
        String json = "{\"type\":\"finished\",\"run_id\":\"r7\",\"final\":{\"test_accuracy\":0.93},\"extra\":1}";
        RunEvent e = Json.read(json.getBytes(StandardCharsets.UTF_8), RunEvent.class).validate();
        assertThat(e.runId()).isEqualTo("r7");
        assertThat(e.finalTestAccuracy()).isEqualTo(0.93);
        assertThat(Json.string(RunEvent.started("r1", "s", Map.of("lr", 0.1), 18)))
                .contains("\"run_id\":\"r1\"", "\"planned_steps\":18", "\"hparams\":{\"lr\":0.1}");
    }

    @Test
    void invalidEventsAreRejectedWithAReason() {
        assertThatThrownBy(() -> Json.read("{\"type\":".getBytes(StandardCharsets.UTF_8), RunEvent.class))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("not a valid RunEvent");
        assertThatThrownBy(() -> new RunEvent("finished", "r", null, null, null, null, null, Map.of(), null).validate())
                .hasMessageContaining("final.test_accuracy");
        assertThatThrownBy(() -> new RunEvent("bogus", "r", null, null, null, null, null, null, null).validate())
                .hasMessageContaining("started, metrics or finished");
    }

    @Test
    void holdoutMetricsOfAHandfulOfRunsSayTheyAreTooFewToJudge() {
        HoldoutMetrics two = new HoldoutMetrics(-95.9, 0.2, -1, 2, 36);
        assertThat(two.tooFewRuns()).isTrue();
        assertThat(two.describe()).contains("2 runs, too few to judge").doesNotContain("-95.9");
        HoldoutMetrics many = new HoldoutMetrics(0.9512, 0.031, 0.88, 120, 2160);
        assertThat(many.describe()).isEqualTo("held-out R² 0.951, τ 0.880, MAE 0.031 on 120 runs");
        assertThat(Json.string(many)).doesNotContain("tooFew").contains("\"r2\":0.9512");
    }

    @Test
    void featureVectorsSurviveJsonWithNaN() {
        FeatureVector v = new FeatureVector("r", 3, 18, "s", "relu", 1, new double[] {1.5, Double.NaN},
                new Health(0, List.of(), Map.of("conv2", 0.25)), 10, 11);
        FeatureVector back = Json.read(Json.bytes(v), FeatureVector.class);
        assertThat(back.values()[0]).isEqualTo(1.5);
        assertThat(back.values()[1]).isNaN();
        assertThat(back.health().maxDeadFraction()).isEqualTo(0.25);
    }

    @Test
    void modelVersionsCarryPerStageHalfWidthsAndFallBackToThePooledOnes() {
        Map<String, Double> pooled = Map.of("0.8", 0.05, "0.95", 0.12);
        List<Map<String, Double>> stages = List.of(Map.of("0.8", 0.09, "0.95", 0.2), Map.of("0.8", 0.03)); // stage 2: too few for 95%
        ModelVersion mv = ModelVersion.builder().name("final-accuracy").version(3).layoutVersion(1)
                .featureNames(List.of("step_fraction")).modelText("text").trainingRuns(10).trainingRows(100)
                .residualQuantiles(pooled).studyReferences(Map.of()).createdAt(1L).ablations(Map.of())
                .stageResidualQuantiles(stages).build();
        assertThat(mv.residualQuantiles(0.25)).isEqualTo(Map.of("0.8", 0.09, "0.95", 0.2));
        assertThat(mv.residualQuantiles(1.0)).isEqualTo(Map.of("0.8", 0.03, "0.95", 0.12));
        assertThat(mv.residualQuantiles(Double.NaN)).isEqualTo(pooled);
        assertThat(mv.withTopRunRule(null).withChanceFloor(null).stageResidualQuantiles()).isEqualTo(stages);

        String json = Json.string(mv);
        assertThat(json).contains("\"stage_residual_quantiles\":[{");
        ModelVersion back = Json.read(json.getBytes(StandardCharsets.UTF_8), ModelVersion.class);
        assertThat(back.stageResidualQuantiles()).isEqualTo(stages);
        // a version written before the field: every stage gets the pooled half-widths
        ModelVersion old = Json.read(json.replaceAll(",?\"stage_residual_quantiles\":\\[[^\\]]*\\]", "")
                .getBytes(StandardCharsets.UTF_8), ModelVersion.class);
        assertThat(old.stageResidualQuantiles()).isNull();
        assertThat(old.residualQuantiles(0.25)).isEqualTo(pooled);
    }

    @Test
    void scoreWithoutModelKeepsNullPrediction() {
        Score s = new Score("r", 1, 18, "s", null, null, List.of(), null, List.of(), 1, 5, 6, "no model yet");
        assertThat(Json.string(s)).contains("\"predicted_final_accuracy\":null", "\"model_version\":null");
    }

    @Test
    void checkpointMetadataIsValidated() {
        assertThat(CheckpointMetadata.parse(Map.of("step", "4", "metrics", "{\"val_acc\":0.5}"), "r").metrics())
                .containsEntry("val_acc", 0.5);
        assertThatThrownBy(() -> CheckpointMetadata.parse(Map.of(), "r")).hasMessageContaining("lacks 'step'");
        assertThatThrownBy(() -> CheckpointMetadata.parse(Map.of("step", "1", "metrics", "null"), "r"))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> CheckpointMetadata.parse(Map.of("step", "x"), "r")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> CheckpointMetadata.parse(Map.of("step", "1", "run_id", "a"), "b"))
                .hasMessageContaining("differs from record key");
        assertThatThrownBy(() -> CheckpointMetadata.parse(Map.of("step", "1", "part", "3", "parts", "2"), "r"))
                .hasMessageContaining("out of range");
    }
}
