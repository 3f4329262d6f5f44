package io.weightcast.app.live;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the topics carried for this replay's runs (filled by {@link TopicTap}), and the send times the
 * driver registered: everything the judging reads. Thread-safe.
 */
public final class Observations {
    /** A score and when it arrived (System.nanoTime). */
    public record Scored(Score score, long arrivalNanos) {
    }

    /** A model version and when it arrived. */
    public record ModelSeen(ModelVersion model, long arrivalNanos) {
    }

    private final Map<String, CompletableFuture<Scored>> scores = new ConcurrentHashMap<>();
    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private final Map<String, FeatureVector> features = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, Map<String, Double>>> metrics = new ConcurrentHashMap<>();
    private final Map<String, Double> finals = new ConcurrentHashMap<>();
    private final List<Alert> alerts = new ArrayList<>();
    private final List<ModelSeen> models = new ArrayList<>();
    private final AtomicLong duplicateScores = new AtomicLong();

    static String key(String run, long step) {
        return run + '\u0000' + step;
    }

    private CompletableFuture<Scored> slot(String run, long step) {
        return scores.computeIfAbsent(key(run, step), k -> new CompletableFuture<>());
    }

    void score(Score s, long arrivalNanos) {
        if (!slot(s.runId(), s.step()).complete(new Scored(s, arrivalNanos))) {
            duplicateScores.incrementAndGet();
        }
    }

    void feature(FeatureVector f) {
        features.putIfAbsent(key(f.runId(), f.step()), f);
    }

    void metrics(String run, long step, Map<String, Double> m) {
        metrics.computeIfAbsent(run, r -> new ConcurrentHashMap<>()).put(step, m);
    }

    void finished(String run, double testAccuracy) {
        finals.put(run, testAccuracy);
    }

    synchronized void alert(Alert a) {
        alerts.add(a);
    }

    synchronized void model(ModelVersion m, long arrivalNanos) {
        models.add(new ModelSeen(m, arrivalNanos));
        notifyAll();
    }

    /** Registers a checkpoint's send time, just before it is sent. */
    public void sending(String run, long step, long nanos) {
        sent.put(key(run, step), nanos);
    }

    /** The first score of (run, step), waiting up to {@code timeoutMillis}; empty on timeout. */
    public Optional<Scored> awaitScore(String run, long step, long timeoutMillis) throws InterruptedException {
        try {
            return Optional.of(slot(run, step).get(timeoutMillis, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<Scored> scored(String run, long step) {
        CompletableFuture<Scored> f = scores.get(key(run, step));
        return f == null || !f.isDone() ? Optional.empty() : Optional.of(f.join());
    }

    public Long sentNanos(String run, long step) {
        return sent.get(key(run, step));
    }

    public Optional<FeatureVector> features(String run, long step) {
        return Optional.ofNullable(features.get(key(run, step)));
    }

    /** The run's reported metrics by step, as its {@code metrics} events carried them. */
    public Map<Long, Map<String, Double>> metrics(String run) {
        Map<Long, Map<String, Double>> m = metrics.get(run);
        return m == null ? Map.of() : new TreeMap<>(m);
    }

    /** The run's label from its {@code finished} event, or null when not (yet) seen. */
    public Double finalAccuracy(String run) {
        return finals.get(run);
    }

    public synchronized List<Alert> alerts() {
        return List.copyOf(alerts);
    }

    public synchronized List<ModelSeen> models() {
        return List.copyOf(models);
    }

    public synchronized Optional<ModelVersion> latestModel() {
        return models.isEmpty() ? Optional.empty() : Optional.of(models.get(models.size() - 1).model());
    }

    /** Waits until a final-accuracy model fitted on at least {@code runs} zoo runs arrived; the latest model either way. */
    public synchronized Optional<ModelVersion> awaitModel(int runs, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (latestModel().map(m -> zooRuns(m) < runs).orElse(true)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(Math.min(left, 500));
        }
        return latestModel();
    }

    /** The zoo size a model was fitted on: its training runs plus its held-out runs. */
    public static int zooRuns(ModelVersion m) {
        return m.trainingRuns() + (m.holdout() == null ? 0 : m.holdout().runs());
    }

    public long duplicateScores() {
        return duplicateScores.get();
    }
}
