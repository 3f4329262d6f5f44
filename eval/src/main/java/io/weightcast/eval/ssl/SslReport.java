package io.weightcast.eval.ssl;

import io.weightcast.eval.JsonTree;
import static io.weightcast.eval.JsonTree.map;
import static io.weightcast.eval.JsonTree.num;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes {@code ssl.json} (the results) and {@code ssl.md} (the paper's Table 6 for this zoo). */
public final class SslReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SslReport() {
    }

    /** @return the JSON tree as written (non-finite numbers as null) */
    public static Map<String, Object> write(Path dir, Map<String, Object> result) throws IOException {
        Files.createDirectories(dir);
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) JsonTree.sanitize(result);
        atomically(dir.resolve("ssl.json"), JSON.writeValueAsString(tree) + "\n");
        SslPlots.writeCurve(dir, JsonTree.list(tree, "training_curve"));
        SslPlots.writeBound(dir, map(tree, "reconstruction_bound"), num(tree, "reconstruction_r2"));
        atomically(dir.resolve("ssl.md"), markdown(tree));
        return tree;
    }

    /** {@code ssl-eval --bound-only}: ssl-bound.json, ssl-bound.md and the bound's plot. */
    public static Map<String, Object> writeBound(Path dir, Map<String, Object> result) throws IOException {
        Files.createDirectories(dir);
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) JsonTree.sanitize(result);
        atomically(dir.resolve("ssl-bound.json"), JSON.writeValueAsString(tree) + "\n");
        SslPlots.writeBound(dir, map(tree, "reconstruction_bound"), Double.NaN);
        Map<String, Object> zoo = map(tree, "zoo");
        StringBuilder md = new StringBuilder("# The linear bound on the encoder's reconstruction (issue 23)\n\n");
        md.append(String.format(Locale.ROOT, "Zoo `%s`: %d runs × %d epochs, split by run into %d training, %d validation and "
                        + "%d test runs (the split of `ssl-eval` with the same seed and fractions). Generated %s; wall time %s; "
                        + "1-minute load average %.2f at the start, %.2f at the end.%n%nReproduce: `%s`%n",
                zoo.get("path"), (int) num(zoo, "runs"), (int) num(zoo, "epochs"), (int) num(zoo, "train_runs"),
                (int) num(zoo, "validation_runs"), (int) num(zoo, "test_runs"), tree.get("generated_at"),
                duration(num(tree, "wall_seconds")), num(tree, "load_average", "start"), num(tree, "load_average", "end"),
                tree.get("command")));
        bound(md, tree);
        atomically(dir.resolve("ssl-bound.md"), md.toString());
        return tree;
    }

    /** The linear bound's section: R² by number of directions, the directions each level needs, per layer. */
    static void bound(StringBuilder md, Map<String, Object> t) {
        Map<String, Object> b = map(t, "reconstruction_bound");
        if (b.isEmpty()) {
            return;
        }
        md.append(String.format(Locale.ROOT, "%n## Why reconstruction stays low: the linear bound%n%n"
                        + "PCA of %d checkpoints of the training runs (normalised, canonical order: what the decoder must "
                        + "reproduce; %d weights each), then each of %d checkpoints of the test runs reconstructed from its "
                        + "projection on the top k directions. That is the best a linear encoder–decoder with a k-dimensional "
                        + "z does; for weights that are mostly each run's own random initialisation, a non-linear one cannot do "
                        + "much better. R² as the encoder's (1 − SSE / Σ t²); fit = on the checkpoints the directions came "
                        + "from.%n%n![linear bound](%s)%n%n| k (z size) | fit R² | test R² |%n|---|---|---|%n",
                (int) num(b, "fit_checkpoints"), (int) num(b, "dimensions"), (int) num(b, "test_checkpoints"), SslPlots.BOUND));
        for (Map<String, Object> p : JsonTree.list(b, "by_components")) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %s |%n", (int) num(p, "components"), fmt(num(p, "fit_r2")),
                    fmt(num(p, "test_r2"))));
        }
        md.append("\nDirections needed on the test runs:");
        map(b, "components_for_test_r2").forEach((level, k) -> md.append(String.format(Locale.ROOT, " R² %s: %s;", level,
                k == null ? "more than the basis" : k)));
        md.setLength(md.length() - 1);
        md.append(String.format(Locale.ROOT, ".%n%nPer layer, test R² with %d directions:", (int) num(b, "layer_components")));
        map(b, "layer_test_r2").forEach((layer, r2) -> md.append(String.format(Locale.ROOT, " %s %s;", layer,
                fmt(r2 instanceof Number n ? n.doubleValue() : Double.NaN))));
        md.setLength(md.length() - 1);
        md.append(".\n");
    }

    private static void atomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String markdown(Map<String, Object> t) {
        Map<String, Object> zoo = map(t, "zoo");
        Map<String, Object> enc = map(t, "encoder");
        StringBuilder md = new StringBuilder("# Self-supervised hyper-representations (issue 4)\n\n");
        md.append(String.format(Locale.ROOT, "Zoo `%s`: %d runs × %d epochs = %d checkpoints (`%s`, %d parameters), split by "
                        + "run into %d training, %d validation and %d test runs. The encoder (d_model %d, %d heads, %d blocks, "
                        + "z %d) trained self-supervised for up to %d epochs on %d checkpoints of the training runs in %s; "
                        + "embedding took %.2f ms per checkpoint in batches (%.1f ms one at a time). Generated %s.\n\n",
                zoo.get("path"), (int) num(zoo, "runs"), (int) num(zoo, "epochs"), (int) num(zoo, "checkpoints"),
                zoo.get("architecture"), (int) num(zoo, "parameters"), (int) num(zoo, "train_runs"),
                (int) num(zoo, "validation_runs"), (int) num(zoo, "test_runs"), (int) num(enc, "d_model"),
                (int) num(enc, "heads"), (int) num(enc, "blocks"), (int) num(enc, "embedding_dim"), (int) num(t, "epochs"),
                (int) num(zoo, "encoder_training_checkpoints"), duration(num(t, "train_seconds")),
                num(t, "embed_ms_per_checkpoint"), num(t, "embed_ms_single_checkpoint"), t.get("generated_at")));
        md.append(String.format(Locale.ROOT, "Setup: γ %s, z %s, projection head of %d layers%s, dropout %s, %s; Adam lr %s, "
                        + "warm-up %d steps, decay × %s after %d flat evaluations, stop after %d (0 = never), budget %s.%n%n",
                fmt(num(enc, "gamma")), Boolean.TRUE.equals(enc.get("linear_bottleneck")) ? "linear" : "through tanh",
                (int) num(enc, "projection_layers"), Boolean.TRUE.equals(enc.get("batch_norm")) ? " with batch norm" : "",
                fmt(num(enc, "dropout")), Boolean.TRUE.equals(enc.get("layer_scale")) ? "per-layer scale tokens"
                        : "no scale tokens", num(enc, "learning_rate"), (int) num(t, "training_plan", "warmup_steps"),
                fmt(num(t, "training_plan", "decay_factor")), (int) num(t, "training_plan", "plateau_patience"),
                (int) num(t, "training_plan", "stop_patience"), duration(num(t, "training_plan", "budget_seconds"))));
        md.append(String.format(Locale.ROOT, "Wall time %s; 1-minute load average %.2f at the start, %.2f at the end.%n%n",
                duration(num(t, "wall_seconds")), num(t, "load_average", "start"), num(t, "load_average", "end")));
        md.append("Reproduce: `").append(t.get("command")).append("`\n\n");
        md.append("Held-out R² (Kendall τ) on the test runs' checkpoints, all epochs pooled. W: ridge regression; "
                + "s(W), embedding, both: LightGBM (configuration and trees chosen on the validation runs).\n\n");
        table(md, t, "tasks", "tasks_kendall_tau", SslTask.RUN);
        md.append("\nThe paper's protocol, a linear model (ridge) on every input:\n\n");
        table(md, t, "tasks_linear", "tasks_linear_kendall_tau", SslTask.RUN);
        md.append("\nThe paper's Table 6 per checkpoint (`tasks_per_checkpoint`): each checkpoint's own test accuracy, "
                + "generalisation gap and epoch; ridge on every input, λ on the validation runs, the same checkpoints and "
                + "splits for every column:\n\n");
        table(md, t, "tasks_per_checkpoint", "tasks_per_checkpoint_kendall_tau", SslTask.PER_CHECKPOINT);
        curve(md, t);
        md.append(String.format(Locale.ROOT, "%nReconstruction R² (normalised weights, test runs): %.3f (validation %.3f, "
                        + "encoder training %.3f).%n%nEncoder loss by evaluation (each epoch, or each --eval-every-steps steps; "
                        + "γ·NT-Xent + (1−γ)·MSE):%n%n"
                        + "| evaluation | loss | NT-Xent | reconstruction MSE | seconds |%n|---|---|---|---|---|%n",
                num(t, "reconstruction_r2"), num(t, "reconstruction_r2_validation"), num(t, "reconstruction_r2_encoder_training")));
        for (Map<String, Object> e : JsonTree.list(enc, "loss_history")) {
            md.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.4f | %.1f |%n", (int) num(e, "epoch"), num(e, "loss"),
                    num(e, "contrastive"), num(e, "reconstruction"), num(e, "seconds")));
        }
        bound(md, t);
        return md.toString();
    }

    /** The training curve: a table of every evaluation and the plot. */
    private static void curve(StringBuilder md, Map<String, Object> t) {
        List<Map<String, Object>> curve = JsonTree.list(t, "training_curve");
        if (curve.isEmpty()) {
            return;
        }
        md.append(String.format(Locale.ROOT, "%nTraining curve (`training_curve`; stopped by %s). Validation runs: "
                + "reconstruction R², and a ridge probe of the final test accuracy from z (fitted on a sample of the "
                + "training runs' checkpoints, λ on the even-indexed validation runs, R² on the odd ones); load = 1-minute "
                + "load average at the evaluation.%n%n![training curve](%s)%n%n"
                + "| epoch | steps | seconds | loss | NT-Xent | MSE | val reconstruction R² | val probe R² | lr | load |%n"
                + "|---|---|---|---|---|---|---|---|---|---|%n", t.get("training_stopped_by"), SslPlots.CURVE));
        for (Map<String, Object> p : curve) {
            md.append(String.format(Locale.ROOT, "| %.2f | %d | %.0f | %.4f | %.4f | %.4f | %s | %s | %.2e | %.1f |%n",
                    num(p, "epoch"), (long) num(p, "steps"), num(p, "seconds"), num(p, "loss"), num(p, "ntxent"), num(p, "mse"),
                    fmt(num(p, "val_reconstruction_r2")), fmt(num(p, "val_probe_r2")), num(p, "lr"), num(p, "load_1m")));
        }
    }

    private static void table(StringBuilder md, Map<String, Object> t, String r2Key, String tauKey, List<SslTask> tasks) {
        List<String> inputs = List.of("W", "stats", "embedding", "both");
        md.append("| task | W | s(W) | embedding | both |\n|---|---|---|---|---|\n");
        for (SslTask task : tasks) {
            md.append("| ").append(task.label());
            for (String input : inputs) {
                md.append(String.format(Locale.ROOT, " | %s (%s)", fmt(num(t, r2Key, task.key(), input)),
                        fmt(num(t, tauKey, task.key(), input))));
            }
            md.append(" |\n");
        }
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    private static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "n/a";
        }
        return seconds < 120 ? String.format(Locale.ROOT, "%.0f s", seconds)
                : String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
}
