package io.weightcast.scorer;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.records.Interval;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The scorer's Prometheus metrics, in its own registry (several services share one JVM in local mode).
 * Counted where the work happens (the stream processors and the webhook notifier), so with several
 * scorer instances Prometheus sums them; the per-run gauge covers the runs of this instance's partitions.
 * Per-run gauges (prediction and its 80% interval) leave when the run finishes, or after
 * {@link #RUN_IDLE_MILLIS} without a score (a crashed run never sends {@code finished}): bounded cardinality.
 */
public final class ScorerMetrics {
    /** A run without a score for this long leaves the per-run gauges (24 h: longer than any epoch we expect). */
    public static final long RUN_IDLE_MILLIS = TimeUnit.HOURS.toMillis(24);
    private static final long SWEEP_EVERY_MILLIS = TimeUnit.MINUTES.toMillis(1);
    /**
     * Runs with per-run gauges at most: run ids are chosen by clients, and every one is three series in every scrape.
     * Past it the run predicted least recently leaves the gauges (its scores stay on the topic and in the API).
     */
    public static final int MAX_RUN_SERIES = 1_000;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final LongSupplier clock;
    private final Map<String, Long> lastPredicted = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    private final Counter scores = Counter.builder()
            .name("weightcast_scorer_scores_total")
            .help("Scores emitted (one per feature vector)")
            .register(registry);
    private final Counter alerts = Counter.builder()
            .name("weightcast_scorer_alerts_total")
            .help("Alerts raised, by kind")
            .labelNames("kind")
            .register(registry);
    private final Histogram ingestToScore = Histogram.builder()
            .name("weightcast_scorer_ingest_to_score_seconds")
            .help("Time from the checkpoint record's timestamp to its score (scored_at - checkpoint_timestamp)")
            .classicOnly()
            .classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
            .register(registry);
    private final Gauge modelVersion = Gauge.builder()
            .name("weightcast_scorer_model_version")
            .help("Version of the accuracy model in use (0 before any model exists)")
            .register(registry);
    private final Gauge predicted = Gauge.builder()
            .name("weightcast_run_predicted_final_accuracy")
            .help("Latest predicted final accuracy per active (not finished) run")
            .labelNames("run_id", "study")
            .register(registry);
    private final Gauge predictedLower = Gauge.builder()
            .name("weightcast_run_predicted_final_accuracy_lower")
            .help("Lower end of the latest 80% prediction interval per active run")
            .labelNames("run_id", "study")
            .register(registry);
    private final Gauge predictedUpper = Gauge.builder()
            .name("weightcast_run_predicted_final_accuracy_upper")
            .help("Upper end of the latest 80% prediction interval per active run")
            .labelNames("run_id", "study")
            .register(registry);
    private final Counter runStoreExpired = Counter.builder()
            .name("weightcast_scorer_run_store_expired_total")
            .help("Finished runs the run store forgot after scorer.run.retention.ms")
            .register(registry);
    private final Counter deadLetters = Counter.builder()
            .name("weightcast_scorer_dead_letters_total")
            .help("Records sent to the dead-letters topic, by reason")
            .labelNames("reason")
            .register(registry);
    private final Counter webhookDeliveries = Counter.builder()
            .name("weightcast_webhook_deliveries_total")
            .help("Alert deliveries to webhooks, by hook name and outcome (delivered|failed, after retries)")
            .labelNames("hook", "outcome")
            .register(registry);

    private final Counter viewEvicted = Counter.builder()
            .name("weightcast_scorer_view_evicted_runs_total")
            .help("Runs the query API's in-memory view let go of past scorer.view.max.runs (least recently updated, "
                    + "finished first)")
            .register(registry);

    private final Counter notifierErrors = Counter.builder()
            .name("weightcast_webhook_notifier_errors_total")
            .help("Errors the webhook notifier survived (or, for a JVM Error, died of: /ready then fails), by exception class or category")
            .labelNames("error")
            .register(registry);

    public ScorerMetrics() {
        this(System::currentTimeMillis);
    }

    ScorerMetrics(LongSupplier clock) {
        this.clock = clock;
        this.lastSweep = clock.getAsLong();
        // exported at 0 from the start, so rate() and alert rules see them before the first error
        notifierErrors.initLabelValues("CommitFailedException");
        notifierErrors.initLabelValues("dead_letter_not_stored");
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public void scored(long checkpointTimestamp, long scoredAt) {
        scores.inc();
        if (checkpointTimestamp > 0) {
            ingestToScore.observe(Math.max(0, scoredAt - checkpointTimestamp) / 1000.0);
        }
    }

    public void alert(String kind) {
        alerts.labelValues(kind).inc();
    }

    public void modelVersion(int version) {
        modelVersion.set(version);
    }

    public void predicted(String runId, String study, double value) {
        predicted(runId, study, value, null);
    }

    /** @param interval the 80% interval, or null (its gauges then keep no stale value) */
    public void predicted(String runId, String study, double value, Interval interval) {
        String s = study == null ? "" : study;
        predicted.labelValues(runId, s).set(value);
        if (interval != null) {
            predictedLower.labelValues(runId, s).set(interval.low());
            predictedUpper.labelValues(runId, s).set(interval.high());
        } else {
            predictedLower.removeIf(labels -> labels.get(0).equals(runId));
            predictedUpper.removeIf(labels -> labels.get(0).equals(runId));
        }
        long now = clock.getAsLong();
        lastPredicted.put(runId, now);
        if (lastPredicted.size() > MAX_RUN_SERIES) {
            dropLeastRecentRun();
        }
        if (now - lastSweep >= SWEEP_EVERY_MILLIS) {
            lastSweep = now;
            lastPredicted.forEach((run, at) -> {
                if (now - at >= RUN_IDLE_MILLIS) {
                    runFinished(run);
                }
            });
        }
    }

    private synchronized void dropLeastRecentRun() {
        lastPredicted.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> runFinished(e.getKey()));
    }

    /** A finished run leaves the fleet view. */
    public void runsExpired(int n) {
        runStoreExpired.inc(n);
    }

    public void runFinished(String runId) {
        predicted.removeIf(labels -> labels.get(0).equals(runId));
        predictedLower.removeIf(labels -> labels.get(0).equals(runId));
        predictedUpper.removeIf(labels -> labels.get(0).equals(runId));
        lastPredicted.remove(runId);
    }

    /** @param reason a short, fixed category (label values must stay few), not the detailed message */
    /** One run left the query API's view. */
    public void viewEvicted() {
        viewEvicted.inc();
    }

    public void deadLetter(String reason) {
        deadLetters.labelValues(reason).inc();
    }

    /** @param hook the hook's configured name (few, fixed by the operator), never its URL */
    public void webhookDelivery(String hook, boolean delivered) {
        webhookDeliveries.labelValues(hook, delivered ? "delivered" : "failed").inc();
    }

    /** @param error the exception's simple class name or a fixed category: few distinct values, never a message */
    public void notifierError(String error) {
        notifierErrors.labelValues(error).inc();
    }
}
