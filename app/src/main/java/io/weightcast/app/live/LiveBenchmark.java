package io.weightcast.app.live;

import io.weightcast.app.stack.LocalStack;
import io.weightcast.app.stack.ScratchDirs;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One replay of the live benchmark: a stack (a fresh local one, or the external one), the zoo's
 * history and live runs through one producer mode, then the judging of what the topics carried.
 */
public final class LiveBenchmark {
    /** What this slice does not measure yet; live.json lists it so nothing is omitted silently. */
    static final List<String> NOT_MEASURED = List.of(
            "quality as a curve over several history sizes (one history size per entry here)",
            "interval coverage of the baselines (they have no intervals)");

    private final LiveOptions options;
    private final Consumer<String> progress;

    public LiveBenchmark(LiveOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** What is not measured in a run with these options. */
    static List<String> notMeasured(LiveOptions o) {
        List<String> out = new java.util.ArrayList<>();
        if (o.orders() < 3) {
            out.add("early_stop over >= 3 arrival orders (" + o.orders() + " here: --orders)");
        }
        out.addAll(NOT_MEASURED);
        return List.copyOf(out);
    }

    /**
     * Every order of one mode: by_epoch, alerts, latency and baselines are the first order's; early stopping
     * is judged over all of them.
     */
    public HistoryResult run(String mode) throws Exception {
        List<EarlyStopQuality> stops = new java.util.ArrayList<>();
        OrderRun first = null;
        for (int o = 0; o < options.orders(); o++) {
            if (options.orders() > 1) {
                progress.accept("[" + mode + "] arrival order " + (o + 1) + " of " + options.orders());
            }
            OrderRun r = runOrder(mode, o);
            first = first == null ? r : first;
            stops.add(r.result().earlyStop());
        }
        HistoryResult f = first.result();
        Map<String, Object> baselines = new LinkedHashMap<>(f.baselines());
        baselines.put(PrunerBaselines.NAME, pruners(mode, first));
        return new HistoryResult(f.history(), f.mode(), f.concurrency(), f.liveRuns(), f.byEpoch(), EarlyStopQuality.over(stops, "each order a full replay on a fresh stack; a run counts as stopped at its "
                + "first EARLY_STOP_CANDIDATE alert"),
                f.alerts(), f.latencyS(), baselines, f.replay(), f.notMeasured());
    }

    /** One order's replay: its result, plan and what the topics carried. */
    private record OrderRun(HistoryResult result, ReplayPlan plan, Observations seen) {
    }

    /** Optuna's pruners on the first order's curves and every order's arrival order; the error when they fail. */
    private Object pruners(String mode, OrderRun first) {
        progress.accept("[" + mode + "] Optuna's pruners on the same runs and orders ...");
        Path work = null;
        try {
            work = Files.createTempDirectory("weightcast-eval-live-pruners-");
            return PrunerBaselines.run(first.plan(), options.orders(), options.seed(), first.seen(), options.python(),
                    options.clientsPython().getParent().getParent(), work);
        } catch (IOException | RuntimeException e) {
            progress.accept("[" + mode + "] the Optuna replay failed: " + e.getMessage());
            return Map.of("error", String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of("error", "interrupted");
        } finally {
            if (work != null) {
                ScratchDirs.delete(work);
            }
        }
    }

    private OrderRun runOrder(String mode, int order) throws Exception {
        // A fresh local stack gets the same run ids in every replay of the same seed (the trainer's holdout split is
        // derived from them, so replays and the two modes are comparable); an external stack needs ids of its own.
        String tag = "live" + options.seed() + (options.bootstrap() == null ? ""
                : "-" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36));
        ReplayPlan plan = ReplayPlan.of(options.zoo(), options.history(), options.limitLive(), options.seed(), tag + "-", tag)
                .withLiveOrder(options.seed(), order);
        Map<String, String> settings = new LinkedHashMap<>();
        // the first model is fitted on exactly the history (later ones as live runs finish: trainer.refit.every)
        settings.put("trainer.min.runs", Integer.toString(options.history()));
        settings.putAll(options.settings());
        if (options.bootstrap() != null) {
            progress.accept("[" + mode + "] external stack at " + options.bootstrap() + ", run ids " + tag + "-*");
            return replay(mode, plan, options.bootstrap(), Settings.of(settings).topics(), "external (" + options.bootstrap() + ")");
        }
        Path data = Files.createTempDirectory("weightcast-eval-live-");
        progress.accept("[" + mode + "] starting a local stack (fresh data dir " + data + ") ...");
        LocalStack stack = LocalStack.start(data, 0, 0, settings);
        // Ctrl-C / SIGTERM: close the services and the broker, and remove the temporary data dir
        Thread hook = new Thread(() -> {
            stack.close();
            ScratchDirs.delete(data);
        }, "eval-live-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (!stack.awaitReady(120_000)) {
                throw new IllegalStateException("the local stack was not ready within 120 s");
            }
            return replay(mode, plan, stack.bootstrapServers(), stack.settings().topics(), "local (fresh data dir)");
        } finally {
            stack.close();
            ScratchDirs.delete(data);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway
            }
        }
    }

    private OrderRun replay(String mode, ReplayPlan plan, String bootstrap, Topics topics, String stack) throws Exception {
        Observations seen = new Observations();
        ReplayDriver.Log log;
        try (TopicTap tap = new TopicTap(bootstrap, topics, plan.runPrefix(), seen);
             RunPublisher publisher = publisher(mode, bootstrap, topics)) {
            log = new ReplayDriver(publisher, seen, line -> progress.accept("[" + mode + "] " + line),
                    options.scoreTimeoutMillis(), options.modelTimeoutMillis()).run(plan, options.concurrency());
            awaitFinals(plan, seen);
        }
        LiveJudge judge = new LiveJudge(plan, seen);
        Map<String, Object> baselines = new LinkedHashMap<>(FeatureBaseline.all(plan, seen, options.seed()));
        Map<String, Object> replay = new LinkedHashMap<>();
        replay.put("stack", stack);
        replay.put("study", plan.live().get(0).study());
        replay.put("history_runs", plan.history().size());
        replay.put("live_runs", plan.live().size());
        replay.put("epochs", plan.epochs());
        replay.put("history_seconds", round(log.historySeconds()));
        replay.put("live_seconds", round(log.liveSeconds()));
        replay.put("history_model_version", log.historyModelVersion());
        replay.put("history_model_runs", log.historyModelRuns());
        replay.put("early_stop_reference", judge.reference());
        replay.put("missing_scores", log.missingScores().size());
        replay.put("missing_examples", log.missingScores().stream().limit(5).toList());
        replay.put("duplicate_scores", seen.duplicateScores());
        replay.put("errors", log.errors());
        return new OrderRun(new HistoryResult(options.history(), mode, options.concurrency(), judge.labelled().size(), judge.byEpoch(),
                judge.earlyStop(), judge.alerts(), judge.latency(log.historyModelVersion()), baselines, replay, notMeasured(options)),
                plan, seen);
    }

    private RunPublisher publisher(String mode, String bootstrap, Topics topics) throws IOException {
        return switch (mode) {
            case "plain" -> new PlainPublisher(bootstrap, topics);
            case "client" -> new ClientPublisher(options.python(), options.clientsPython(), bootstrap, topics.prefix(),
                    Files.createTempFile("weightcast-eval-live-client-", ".log"));
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /** The live runs' finished events, read back from the runs topic (their labels), up to 30 s. */
    private static void awaitFinals(ReplayPlan plan, Observations seen) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
                && !plan.live().stream().allMatch(r -> seen.finalAccuracy(r.replayId()) != null)) {
            Thread.sleep(100);
        }
        Thread.sleep(1000); // alerts raised for the last checkpoints
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
