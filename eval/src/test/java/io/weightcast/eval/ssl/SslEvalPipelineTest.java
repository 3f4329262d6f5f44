package io.weightcast.eval.ssl;

import io.weightcast.eval.Progress;
import io.weightcast.eval.TestZoos;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.EncoderTuning;
import io.weightcast.core.ssl.RandomErasing;
import io.weightcast.core.ssl.TrainingPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code weightcast ssl-eval}'s pipeline on the tiny real zoo (24 digits runs × 6 epochs from the
 * Python generator) with a small encoder for a few epochs on a capped sample: the encoder's loss falls, z has the
 * configured dimension, and ssl.json holds every required key with finite numbers in range. Never a
 * target figure: a few epochs on 100 checkpoints say nothing about the method.
 */
class SslEvalPipelineTest {
    private static final int EPOCHS = 6;
    /** Below the training runs' ~100 checkpoints: exercises the cap and keeps the test short. */
    private static final int CAP = 64;
    private static final EncoderConfig SMALL = new EncoderConfig(32, 2, 1, 12, 12, 0.5, 0.1, 2e-3, 16, 0.0,
            RandomErasing.DEFAULT, 5, EncoderTuning.ORIGINAL);

    /** Issue 23's schedule: warm-up over the first epoch, halving after two flat evaluations, no early stop. */
    private static final TrainingPlan PLAN = new TrainingPlan(EPOCHS, 0, 4, 0.5, 2, 0, 0);

    private static Path zoo;

    @BeforeAll
    static void generateZoo() throws Exception {
        zoo = TestZoos.digits24x6();
    }

    @Test
    void theWholeEvaluationRunsAndWritesEveryRequiredResult() throws Exception {
        Path out = Files.createTempDirectory("weightcast-ssl-results");
        SslOptions options = new SslOptions(zoo, out, false, true, 1, 3, 0.15, 0.15, PLAN, 40, CAP,
                SMALL.withTuning(EncoderTuning.FAIR), 2, 200, "test");
        List<String> log = new ArrayList<>();
        SslReport.write(out, new SslBenchmark(options, Progress.NONE, line -> {
            log.add(line);
            System.err.println(java.time.LocalTime.now() + " ssl-eval: " + line);
        }).run());

        JsonNode j = Json.MAPPER.readTree(Files.readAllBytes(out.resolve("ssl.json")));
        for (String tableKey : List.of("tasks", "tasks_kendall_tau", "tasks_linear", "tasks_linear_kendall_tau",
                "tasks_per_checkpoint", "tasks_per_checkpoint_kendall_tau")) {
            JsonNode table = j.path(tableKey);
            assertThat(table.size()).as(tableKey).isEqualTo(3);
            List<String> tasks = tableKey.startsWith("tasks_per_checkpoint") ? List.of("test_accuracy", "generalization_gap", "epoch")
                    : List.of("final_test_accuracy", "generalization_gap", "epoch");
            for (String task : tasks) {
                assertThat(table.path(task).size()).as(tableKey + "." + task).isEqualTo(4);
                for (String input : List.of("W", "stats", "embedding", "both")) {
                    double v = finite(table.path(task).path(input), tableKey + "." + task + "." + input);
                    if (tableKey.contains("kendall")) {
                        assertThat(v).isBetween(-1.0, 1.0);
                    } else {
                        assertThat(v).isLessThanOrEqualTo(1.0);
                    }
                }
            }
        }
        assertThat(finite(j.path("reconstruction_r2"), "reconstruction_r2")).isLessThanOrEqualTo(1.0);
        assertThat(j.path("zoo").path("runs").asInt()).isEqualTo(24);
        assertThat(j.path("zoo").path("checkpoints").asInt()).isEqualTo(24 * 6);
        int train = j.path("zoo").path("train_runs").asInt();
        int validation = j.path("zoo").path("validation_runs").asInt();
        int test = j.path("zoo").path("test_runs").asInt();
        assertThat(List.of(train, validation, test)).allMatch(n -> n >= 2);
        assertThat(train + validation + test).as("every run on exactly one side").isEqualTo(24);
        assertThat(train * 6).as("the training runs hold more checkpoints than the cap").isGreaterThan(CAP);
        assertBound(j.path("reconstruction_bound"), train * 6, test * 6);
        assertThat(out.resolve("ssl-bound.png")).isNotEmptyFile();
        assertThat(j.path("zoo").path("encoder_training_checkpoints").asInt()).as("a sample of the cap's size").isEqualTo(CAP);
        assertThat(finite(j.path("train_seconds"), "train_seconds")).isPositive();
        assertThat(finite(j.path("embed_ms_per_checkpoint"), "embed_ms_per_checkpoint")).isPositive();
        assertThat(j.path("epochs").asInt()).isEqualTo(EPOCHS);
        JsonNode enc = j.path("encoder");
        assertThat(enc.path("embedding_dim").asInt()).isEqualTo(12);
        assertThat(enc.path("d_model").asInt()).isEqualTo(32);
        assertThat(enc.path("architecture").asText()).isEqualTo("conv1:16x10,conv2:16x145,conv3:16x145,dense:10x17");

        // the self-supervised loss falls over the epochs
        JsonNode history = enc.path("loss_history");
        assertThat(history).hasSize(EPOCHS);
        double first = finite(history.get(0).path("loss"), "first loss");
        double last = finite(history.get(EPOCHS - 1).path("loss"), "last loss");
        assertThat(last).as("loss %s → %s", first, last).isLessThan(first);
        assertThat(log).anyMatch(l -> l.startsWith("encoder epoch " + EPOCHS + "/" + EPOCHS + ": loss"));
        assertThat(enc.path("linear_bottleneck").asBoolean()).isTrue();
        assertThat(enc.path("projection_layers").asInt()).isEqualTo(4);

        // the training curve: one point per epoch, every key finite, steps rising, the warm-up visible in lr
        JsonNode curve = j.path("training_curve");
        assertThat(curve).hasSize(EPOCHS);
        for (int e = 0; e < EPOCHS; e++) {
            for (String key : List.of("epoch", "steps", "seconds", "loss", "ntxent", "mse", "val_reconstruction_r2", "val_probe_r2",
                    "lr")) {
                finite(curve.get(e).path(key), "training_curve[" + e + "]." + key);
            }
            assertThat(curve.get(e).path("epoch").asDouble()).isEqualTo(e + 1.0);
            assertThat(curve.get(e).path("val_reconstruction_r2").asDouble()).isLessThanOrEqualTo(1.0);
        }
        assertThat(curve.get(EPOCHS - 1).path("steps").asLong()).isEqualTo(EPOCHS * (CAP / 16L));
        assertThat(curve.get(0).path("lr").asDouble()).as("the first epoch's last step ends the warm-up").isEqualTo(2e-3);
        assertThat(j.path("training_stopped_by").asText()).isEqualTo("epochs");
        assertThat(j.path("training_plan").path("warmup_steps").asInt()).isEqualTo(4);
        assertThat(j.path("training_plan").path("decay_factor").asDouble()).isEqualTo(0.5);
        assertThat(out.resolve("ssl-training-curve.png")).isNotEmptyFile();

        String md = Files.readString(out.resolve("ssl.md"));
        assertThat(md).contains("| task | W | s(W) | embedding | both |", "| final test accuracy |", "| epoch (the checkpoint's step) |",
                "| test accuracy (the checkpoint's eval/test_acc) |", "![training curve](ssl-training-curve.png)",
                "## Why reconstruction stays low: the linear bound", "![linear bound](ssl-bound.png)");
    }

    @Test
    void theBoundAloneWritesItsOwnFilesOnTheSameSplit() throws Exception {
        Path out = Files.createTempDirectory("weightcast-ssl-bound");
        SslOptions options = new SslOptions(zoo, out, false, true, 1, 3, 0.15, 0.15, PLAN, 40, CAP,
                SMALL.withTuning(EncoderTuning.FAIR), 2, 200, "test");
        SslReport.writeBound(out, new SslBenchmark(options, Progress.NONE, line -> { }).runBoundOnly());
        JsonNode j = Json.MAPPER.readTree(Files.readAllBytes(out.resolve("ssl-bound.json")));
        int train = j.path("zoo").path("train_runs").asInt();
        int test = j.path("zoo").path("test_runs").asInt();
        assertThat(train + test + j.path("zoo").path("validation_runs").asInt()).isEqualTo(24);
        assertBound(j.path("reconstruction_bound"), train * 6, test * 6);
        assertThat(out.resolve("ssl-bound.png")).isNotEmptyFile();
        assertThat(Files.readString(out.resolve("ssl-bound.md"))).contains("# The linear bound", "| k (z size) | fit R² | test R² |",
                "Per layer, test R² with 12 directions: conv1 ");
        assertThat(out.resolve("ssl.json")).doesNotExist();
    }

    /** Every checkpoint of the small sides (below the caps); the fit exact at its full basis; held-out R² rising, below 1. */
    private static void assertBound(JsonNode bound, int trainCheckpoints, int testCheckpoints) {
        assertThat(bound.path("dimensions").asInt()).isEqualTo(4970);
        assertThat(bound.path("fit_checkpoints").asInt()).isEqualTo(trainCheckpoints);
        assertThat(bound.path("test_checkpoints").asInt()).isEqualTo(testCheckpoints);
        assertThat(bound.path("basis").asInt()).isBetween(2, trainCheckpoints - 1);
        JsonNode points = bound.path("by_components");
        assertThat(points.size()).isGreaterThanOrEqualTo(3);
        double previous = -1;
        for (JsonNode p : points) {
            double r2 = finite(p.path("test_r2"), "test_r2");
            assertThat(r2).isBetween(previous, 1.0);
            previous = r2;
        }
        JsonNode last = points.get(points.size() - 1);
        assertThat(last.path("components").asInt()).isEqualTo(bound.path("basis").asInt());
        assertThat(finite(last.path("fit_r2"), "fit_r2")).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(bound.path("layer_test_r2").size()).isEqualTo(4);
        assertThat(bound.path("layer_components").asInt()).isEqualTo(12);
    }

    @Test
    void everyCheckpointIsEmbeddedInTheConfiguredDimension() throws Exception {
        SslZoo loaded = SslZoo.load(zoo, false, true, 1, Progress.NONE);
        assertThat(loaded.runs()).hasSize(24);
        var tokens = loaded.runs().stream().flatMap(r -> java.util.Arrays.stream(r.weights())).map(loaded::tokens).toList();
        var encoder = io.weightcast.core.ssl.HyperRepresentation.create(tokens, SMALL);
        float[][] z = encoder.embed(tokens);
        assertThat(z).hasNumberOfRows(24 * 6);
        for (float[] row : z) {
            assertThat(row).hasSize(12);
            for (float v : row) {
                assertThat(v).isBetween(-1f, 1f);
            }
        }
        assertThat(loaded.runs().get(0).generalizationGap()).isBetween(-1.0, 1.0);
    }

    private static double finite(JsonNode n, String what) {
        assertThat(n.isNumber()).as(what + " is a number: " + n).isTrue();
        double v = n.asDouble();
        assertThat(Double.isFinite(v)).as(what).isTrue();
        return v;
    }
}
