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
        atomically(dir.resolve("ssl.md"), markdown(tree));
        return tree;
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
                        + "z %d) trained self-supervised for %d epochs on %d checkpoints of the training runs in %s; "
                        + "embedding took %.2f ms per checkpoint in batches (%.1f ms one at a time). Generated %s.\n\n",
                zoo.get("path"), (int) num(zoo, "runs"), (int) num(zoo, "epochs"), (int) num(zoo, "checkpoints"),
                zoo.get("architecture"), (int) num(zoo, "parameters"), (int) num(zoo, "train_runs"),
                (int) num(zoo, "validation_runs"), (int) num(zoo, "test_runs"), (int) num(enc, "d_model"),
                (int) num(enc, "heads"), (int) num(enc, "blocks"), (int) num(enc, "embedding_dim"), (int) num(t, "epochs"),
                (int) num(zoo, "encoder_training_checkpoints"), duration(num(t, "train_seconds")),
                num(t, "embed_ms_per_checkpoint"), num(t, "embed_ms_single_checkpoint"), t.get("generated_at")));
        md.append("Reproduce: `").append(t.get("command")).append("`\n\n");
        md.append("Held-out R² (Kendall τ) on the test runs' checkpoints, all epochs pooled. W: ridge regression; "
                + "s(W), embedding, both: LightGBM (configuration and trees chosen on the validation runs).\n\n");
        table(md, t, "tasks", "tasks_kendall_tau");
        md.append("\nThe paper's protocol, a linear model (ridge) on every input:\n\n");
        table(md, t, "tasks_linear", "tasks_linear_kendall_tau");
        md.append(String.format(Locale.ROOT, "%nReconstruction R² (normalised weights, test runs): %.3f (validation %.3f, "
                        + "encoder training %.3f).%n%nEncoder loss by epoch (γ·NT-Xent + (1−γ)·MSE):%n%n"
                        + "| epoch | loss | NT-Xent | reconstruction MSE | seconds |%n|---|---|---|---|---|%n",
                num(t, "reconstruction_r2"), num(t, "reconstruction_r2_validation"), num(t, "reconstruction_r2_encoder_training")));
        for (Map<String, Object> e : JsonTree.list(enc, "loss_history")) {
            md.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.4f | %.1f |%n", (int) num(e, "epoch"), num(e, "loss"),
                    num(e, "contrastive"), num(e, "reconstruction"), num(e, "seconds")));
        }
        return md.toString();
    }

    private static void table(StringBuilder md, Map<String, Object> t, String r2Key, String tauKey) {
        List<String> inputs = List.of("W", "stats", "embedding", "both");
        md.append("| task | W | s(W) | embedding | both |\n|---|---|---|---|---|\n");
        for (SslTask task : SslTask.values()) {
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
