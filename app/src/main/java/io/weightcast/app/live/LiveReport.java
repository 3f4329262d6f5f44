package io.weightcast.app.live;

import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes live.json (the keys), live.md and the plots. */
public final class LiveReport {
    static final List<String> NOTES = List.of(
            "With --orders N every mode is replayed N times (fresh stack each), the live runs in another order each time: "
                    + "early_stop is judged over all orders (by_order holds each); by_epoch, alerts, latency_s and baselines are the first order's.",
            "Only what the topics carried is judged: scores, alerts and models as published, labels and reported metrics "
                    + "from the runs topic, the baseline's inputs from the features and runs topics.",
            "A live run sends its next checkpoint only after the previous one was scored (a training loop would not wait): "
                    + "every live checkpoint is judged by the model a loop at that point would have seen, the runs finish in the "
                    + "order they would, and Weightcast and the baselines predict the same checkpoints. Latency is therefore "
                    + "one checkpoint in flight per live run, `concurrency` runs at once, while the trainer refits as live runs finish.",
            "plain mode: the checkpoint metadata carries only run_id, step, planned_steps, activation and framework (design §4); "
                    + "hyper-parameters go in the `started` event and each epoch's metrics and dead_fraction/<layer> in `metrics` "
                    + "events, which the streams service joins to the checkpoints by run id as if they were in the metadata "
                    + "(the README contract).",
            "client mode: the zoo loop reported dead_fraction/<layer> (measured on the test split) each epoch; the client puts "
                    + "it, the metrics and the hyper-parameters in the checkpoint metadata as well as in run events.",
            "Latency: the producer's send (System.nanoTime just before it) to the score record's arrival at a read_committed "
                    + "consumer in the same JVM; in client mode the send time is when the command went to the Python client.");

    private LiveReport() {
    }

    public static Map<String, Object> write(Path dir, LiveOptions o, ReplayPlan anyPlan, List<HistoryResult> results,
                                            double wallSeconds) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "live (issue 19)");
        root.put("created_at", Instant.now().toString());
        root.put("command", o.command());
        root.put("zoo", o.zoo().toString());
        root.put("zoo_source", anyPlan.manifest().source());
        root.put("zoo_seed", anyPlan.manifest().seed());
        root.put("zoo_runs", anyPlan.history().size() + anyPlan.live().size());
        root.put("zoo_command", anyPlan.manifest().command());
        root.put("epochs", anyPlan.epochs());
        root.put("seed", o.seed());
        root.put("concurrency", o.concurrency());
        root.put("wall_seconds", Math.round(wallSeconds * 10) / 10.0);
        root.put("by_history", results);
        root.put("orders", o.orders());
        root.put("not_measured", LiveBenchmark.notMeasured(o));
        root.put("notes", NOTES);
        Map<String, String> plots = LivePlots.write(dir, results);
        root.put("plots", plots);
        Files.write(dir.resolve("live.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        Files.writeString(dir.resolve("live.md"), markdown(root, results, plots, LiveBenchmark.notMeasured(o)), StandardCharsets.UTF_8);
        return root;
    }

    static String markdown(Map<String, Object> root, List<HistoryResult> results, Map<String, String> plots, List<String> notMeasured) {
        StringBuilder md = new StringBuilder("# Live benchmark (issue 19)\n\n");
        md.append(String.format(Locale.ROOT, "`%s` on `%s` (%s zoo, %s epochs, made by `%s`), %.0f s wall. Generated %s.%n%n",
                root.get("command"), root.get("zoo"), root.get("zoo_source"), root.get("epochs"), root.get("zoo_command"),
                (Double) root.get("wall_seconds"), root.get("created_at")));
        for (HistoryResult r : results) {
            md.append(String.format(Locale.ROOT, "## H = %d history runs, %s producer, %d live runs %d at a time%n%n", r.history(),
                    r.mode(), r.liveRuns(), r.concurrency()));
            md.append("Stack: ").append(r.replay().get("stack")).append("; model after the history: v")
                    .append(r.replay().get("history_model_version")).append(" fitted on ").append(r.replay().get("history_model_runs"))
                    .append(" runs; missing scores: ").append(r.replay().get("missing_scores")).append(".\n\n");
            md.append("| epoch | runs | R² | τ | MAE | 80% coverage | 95% coverage |");
            List<String> names = new ArrayList<>(r.predictors().keySet());
            for (String b : names) {
                md.append(" ").append(b).append(" R² / τ / MAE |");
            }
            md.append("\n|---|---|---|---|---|---|---|").append("---|".repeat(names.size())).append('\n');
            for (int i = 0; i < r.byEpoch().size(); i++) {
                EpochQuality e = r.byEpoch().get(i);
                md.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %s |", e.epoch(), e.runs(), f(e.r2()),
                        f(e.kendallTau()), f(e.mae()), f(e.coverage80()), f(e.coverage95())));
                for (String b : names) {
                    List<EpochQuality> be = r.predictors().get(b).byEpoch();
                    EpochQuality q = i < be.size() ? be.get(i) : null;
                    md.append(q == null ? " — |" : String.format(Locale.ROOT, " %s / %s / %s |", f(q.r2()), f(q.kendallTau()), f(q.mae())));
                }
                md.append('\n');
            }
            EarlyStopQuality es = r.earlyStop();
            md.append(String.format(Locale.ROOT, "%nEarly stop (EARLY_STOP_CANDIDATE alerts): compute saved %s, top-5%% kept %s (%d run%s), "
                            + "top-1 kept %s; %d order%s (%s).%n%n", f(es.computeSaved()), f(es.top5Kept()), es.top5Runs(),
                    es.top5Runs() == 1 ? "" : "s", es.top1Kept() ? "yes" : "no", es.orders(), es.orders() == 1 ? "" : "s", es.note()));
            md.append("| alert | runs flagged | share | precision | recall | outcome it is judged against |\n|---|---|---|---|---|---|\n");
            r.alerts().forEach((kind, a) -> md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s (true for %d of %d live runs) |%n", kind,
                    a.flagged(), f(a.share()), f(a.precision()), f(a.recall()), a.outcome(), a.positives(), r.liveRuns())));
            LatencyQuality l = r.latencyS();
            md.append(String.format(Locale.ROOT, "%nIngest→score latency over %d live checkpoints: p50 %s s, p99 %s s, max %s s; "
                    + "%d model version(s) published during the live phase.%n%n", l.count(), f(l.p50()), f(l.p99()), f(l.max()),
                    l.modelVersionsDuringLive()));
            r.predictors().forEach((name, b) -> md.append("Baseline `").append(name).append("`: ").append(b.description())
                    .append(" (").append(b.trainingRows()).append(" training rows).\n"));
            if (r.baselines().get(PrunerBaselines.NAME) instanceof PrunerBaselines.Sweep sweep) {
                md.append("\nEarly-stopping baselines: ").append(sweep.description()).append(" (").append(sweep.settings().size())
                        .append(" settings, ").append(sweep.seconds()).append(" s). Per pruner, the setting that saved the most while "
                        + "keeping every top-5% run and the best run in every order (else the one keeping the most):\n\n"
                        + "| early stopping | setting | compute saved | top-5% kept | top-1 kept in every order |\n|---|---|---|---|---|\n");
                md.append(String.format(Locale.ROOT, "| Weightcast (EARLY_STOP_CANDIDATE) | scorer defaults | %s | %s | %s |%n",
                        f(es.computeSaved()), f(es.top5Kept()), es.top1Kept() ? "yes" : "no"));
                sweep.bestPerPolicy().forEach((policy, s) -> md.append(String.format(Locale.ROOT, "| %s | `%s` | %s | %s | %s |%n",
                        policy, s.params(), f(s.earlyStop().computeSaved()), f(s.earlyStop().top5Kept()),
                        s.earlyStop().top1Kept() ? "yes" : "no")));
            }
            md.append('\n');
        }
        md.append("Not measured in this slice: ").append(String.join("; ", notMeasured)).append(".\n\n");
        md.append("Notes:\n\n");
        NOTES.forEach(n -> md.append("- ").append(n).append('\n'));
        md.append('\n');
        plots.forEach((file, caption) -> md.append("![").append(caption).append("](").append(file).append(")\n\n"));
        return md.toString();
    }

    private static String f(Double v) {
        return v == null ? "—" : Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }
}
