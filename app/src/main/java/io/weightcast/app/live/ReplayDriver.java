package io.weightcast.app.live;

import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Replays a {@link ReplayPlan} through a {@link RunPublisher}: the history runs whole, then (once every
 * history checkpoint is scored and a model fitted on the history is on the models topic) the live
 * runs, {@code concurrency} at a time, each epoch's checkpoint sent only after the previous one was
 * scored and {@code finished} only after the last one was. A training loop would not wait for its
 * score; the replay does so that every live checkpoint is judged by the model a loop at that point
 * would have seen, and so that the runs finish in the order they would.
 */
public final class ReplayDriver {
    /** How the replay went, beside what the topics carried. */
    public record Log(double historySeconds, double liveSeconds, Integer historyModelVersion, Integer historyModelRuns,
                      List<String> missingScores, List<String> errors) {
    }

    private final RunPublisher publisher;
    private final Observations seen;
    private final Consumer<String> progress;
    private final long scoreTimeoutMillis;
    private final long modelTimeoutMillis;

    public ReplayDriver(RunPublisher publisher, Observations seen, Consumer<String> progress, long scoreTimeoutMillis,
                        long modelTimeoutMillis) {
        this.publisher = publisher;
        this.seen = seen;
        this.progress = progress;
        this.scoreTimeoutMillis = scoreTimeoutMillis;
        this.modelTimeoutMillis = modelTimeoutMillis;
    }

    public Log run(ReplayPlan plan, int concurrency) throws Exception {
        List<String> missing = Collections.synchronizedList(new ArrayList<>());
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        Optional<ModelVersion> model = history(plan, missing);
        double historySeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        live(plan, concurrency, missing, errors);
        double liveSeconds = (System.nanoTime() - t1) / 1e9;
        return new Log(historySeconds, liveSeconds, model.map(ModelVersion::version).orElse(null),
                model.map(Observations::zooRuns).orElse(null), List.copyOf(missing), List.copyOf(errors));
    }

    private Optional<ModelVersion> history(ReplayPlan plan, List<String> missing) throws Exception {
        int epochs = plan.epochs();
        int total = plan.history().size() * epochs;
        progress.accept(String.format(Locale.ROOT, "history: sending %d runs x %d epochs (%s producer)", plan.history().size(),
                epochs, publisher.mode()));
        for (ZooRun run : plan.history()) {
            publisher.start(run);
            for (int s = 1; s <= epochs; s++) {
                seen.sending(run.replayId(), s, System.nanoTime());
                publisher.checkpoint(run, s);
            }
            publisher.finish(run);
        }
        long deadline = System.currentTimeMillis() + scoreTimeoutMillis + (long) total * 200;
        long lastLine = 0;
        while (true) {
            int scored = 0;
            for (ZooRun run : plan.history()) {
                for (int s = 1; s <= epochs; s++) {
                    scored += seen.scored(run.replayId(), s).isPresent() ? 1 : 0;
                }
            }
            if (scored == total || System.currentTimeMillis() > deadline) {
                progress.accept(String.format(Locale.ROOT, "history: %d of %d checkpoints scored", scored, total));
                if (scored < total) {
                    for (ZooRun run : plan.history()) {
                        for (int s = 1; s <= epochs; s++) {
                            if (seen.scored(run.replayId(), s).isEmpty()) {
                                missing.add(run.replayId() + "@" + s);
                            }
                        }
                    }
                }
                break;
            }
            if (System.currentTimeMillis() - lastLine > 5000) {
                lastLine = System.currentTimeMillis();
                progress.accept(String.format(Locale.ROOT, "history: %d of %d checkpoints scored; model %s", scored, total,
                        describe(seen.latestModel())));
            }
            Thread.sleep(200);
        }
        progress.accept("history: waiting for a model fitted on the " + plan.history().size() + " history runs ...");
        Optional<ModelVersion> model = seen.awaitModel(plan.history().size(), modelTimeoutMillis);
        progress.accept("history: model " + describe(model)
                + (model.map(m -> Observations.zooRuns(m) >= plan.history().size()).orElse(false) ? ""
                : " (none fitted on every history run within the timeout; going live with it)"));
        return model;
    }

    private void live(ReplayPlan plan, int concurrency, List<String> missing, List<String> errors) throws Exception {
        int epochs = plan.epochs();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger scored = new AtomicInteger();
        progress.accept(String.format(Locale.ROOT, "live: %d runs, %d at a time", plan.live().size(), concurrency));
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "eval-live-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (ZooRun run : plan.live()) {
                futures.add(pool.submit(() -> {
                    try {
                        publisher.start(run);
                        for (int s = 1; s <= epochs; s++) {
                            seen.sending(run.replayId(), s, System.nanoTime());
                            publisher.checkpoint(run, s);
                            if (seen.awaitScore(run.replayId(), s, scoreTimeoutMillis).isPresent()) {
                                scored.incrementAndGet();
                            } else {
                                missing.add(run.replayId() + "@" + s);
                            }
                        }
                        publisher.finish(run);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        errors.add(run.replayId() + ": " + e.getMessage());
                    }
                    done.incrementAndGet();
                    return null;
                }));
            }
            long lastLine = System.currentTimeMillis();
            while (!futures.stream().allMatch(Future::isDone)) {
                Thread.sleep(200);
                if (System.currentTimeMillis() - lastLine > 5000) {
                    lastLine = System.currentTimeMillis();
                    progress.accept(String.format(Locale.ROOT, "live: %d of %d runs done, %d checkpoints scored; model %s",
                            done.get(), plan.live().size(), scored.get(), describe(seen.latestModel())));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        progress.accept(String.format(Locale.ROOT, "live: %d runs done, %d of %d checkpoints scored; model %s", done.get(),
                scored.get(), plan.live().size() * epochs, describe(seen.latestModel())));
    }

    static String describe(Optional<ModelVersion> m) {
        return m.map(v -> String.format(Locale.ROOT, "v%d (fitted on %d runs)", v.version(), Observations.zooRuns(v)))
                .orElse("none yet");
    }
}
