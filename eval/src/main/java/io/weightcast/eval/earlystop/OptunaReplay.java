package io.weightcast.eval.earlystop;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Optuna's pruners on the same validation curves and arrival orders, through the Python replay
 * ({@code python3 -m weightcast.demo.pruners}, eval/README.md): every setting of its sweep, with each
 * run's stop epoch per order.
 */
public final class OptunaReplay {
    /** One pruner setting and its stop epochs: per order, per run (input order). */
    public record Setting(String policy, Map<String, Object> params, List<int[]> stopEpochs) {
    }

    /** @param seconds wall time of the replay */
    public record Result(String optunaVersion, List<Setting> settings, double seconds) {
    }

    private OptunaReplay() {
    }

    /** A replay started in the background; {@link #await()} it, or {@link #cancel()} it. */
    public static final class Pending {
        private final Process process;
        private final Path out;
        private final Path log;
        private final int runs;
        private final int orders;
        private final long started;

        private Pending(Process process, Path out, Path log, int runs, int orders) {
            this.process = process;
            this.out = out;
            this.log = log;
            this.runs = runs;
            this.orders = orders;
            this.started = System.nanoTime();
        }

        public Result await() throws IOException, InterruptedException {
            if (!process.waitFor(6, TimeUnit.HOURS)) {
                cancel();
                throw new IOException("the Optuna replay did not finish within 6 hours");
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            if (process.exitValue() != 0) {
                throw new IOException("the Optuna replay failed (exit " + process.exitValue() + "): "
                        + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            return parse(Json.MAPPER.readTree(Files.readAllBytes(out)), runs, orders, seconds);
        }

        /** Stops the replay (a failed benchmark leaves no Python process behind). */
        public void cancel() {
            process.destroyForcibly();
        }
    }

    /**
     * Starts the replay in the background.
     *
     * @param valAcc      [run][epoch-1]
     * @param projectRoot holds clients/python (put on PYTHONPATH)
     * @param work        a directory for the input, output and log
     */
    public static Pending start(String python, Path projectRoot, double[][] valAcc, List<int[]> orders, int jobs, Path work)
            throws IOException {
        return start(python, projectRoot, valAcc, orders, 0, jobs, work);
    }

    /**
     * As {@link #start(String, Path, double[][], List, int, Path)}, the first {@code whole} runs of every order being
     * the study's history: run to their end and told COMPLETE, never pruned (the live benchmark's history runs).
     */
    public static Pending start(String python, Path projectRoot, double[][] valAcc, List<int[]> orders, int whole, int jobs,
                                Path work) throws IOException {
        // checked before anything runs: the replay's result is awaited only after the LightGBM work (~25 min)
        Path module = projectRoot.resolve("clients/python/weightcast/demo/pruners.py");
        if (!Files.isRegularFile(module)) {
            throw new IOException("the Optuna replay needs " + module + ": run from the project root or set -Dweightcast.home "
                    + "(the ./weightcast script does)");
        }
        Files.createDirectories(work);
        Path in = work.resolve("curves.json");
        Path out = work.resolve("pruners.json");
        Path log = work.resolve("pruners.log");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("epochs", valAcc[0].length);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int r = 0; r < valAcc.length; r++) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("run_id", "r" + r);
            List<Object> curve = new ArrayList<>();
            for (double v : valAcc[r]) {
                curve.add(Double.isFinite(v) ? (Object) v : "NaN");
            }
            run.put("val_acc", curve);
            runs.add(run);
        }
        doc.put("runs", runs);
        doc.put("orders", orders);
        if (whole > 0) {
            doc.put("whole", whole);
        }
        Files.write(in, Json.MAPPER.writeValueAsBytes(doc));
        Path pythonPath = projectRoot.resolve("clients/python").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(python, "-m", "weightcast.demo.pruners", "--input", in.toString(),
                "--output", out.toString(), "--jobs", Integer.toString(Math.max(1, jobs)))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        String existing = System.getenv("PYTHONPATH");
        pb.environment().put("PYTHONPATH", pythonPath + (existing == null || existing.isBlank() ? "" : ":" + existing));
        return new Pending(pb.start(), out, log, valAcc.length, orders.size());
    }

    /** Runs the replay and waits for it. */
    public static Result run(String python, Path projectRoot, double[][] valAcc, List<int[]> orders, int jobs, Path work)
            throws IOException, InterruptedException {
        return run(python, projectRoot, valAcc, orders, 0, jobs, work);
    }

    /** Runs the replay with {@code whole} history runs first in every order, and waits for it. */
    public static Result run(String python, Path projectRoot, double[][] valAcc, List<int[]> orders, int whole, int jobs, Path work)
            throws IOException, InterruptedException {
        Pending p = start(python, projectRoot, valAcc, orders, whole, jobs, work);
        try {
            return p.await();
        } finally {
            p.cancel();
        }
    }

    public static Result parse(JsonNode root, int runs, int orders, double seconds) throws IOException {
        List<Setting> settings = new ArrayList<>();
        for (JsonNode s : root.path("settings")) {
            List<int[]> stops = new ArrayList<>();
            for (JsonNode order : s.path("stop_epochs")) {
                int[] e = new int[order.size()];
                for (int i = 0; i < e.length; i++) {
                    e[i] = order.get(i).asInt();
                }
                if (e.length != runs) {
                    throw new IOException("the Optuna replay returned " + e.length + " stop epochs for " + runs + " runs");
                }
                stops.add(e);
            }
            if (stops.size() != orders) {
                throw new IOException("the Optuna replay returned " + stops.size() + " orders, expected " + orders);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> params = Json.MAPPER.convertValue(s.path("params"), LinkedHashMap.class);
            settings.add(new Setting(s.path("policy").asText(), params, stops));
        }
        if (settings.isEmpty()) {
            throw new IOException("the Optuna replay returned no settings");
        }
        return new Result(root.path("optuna").asText("?"), settings, seconds);
    }
}
