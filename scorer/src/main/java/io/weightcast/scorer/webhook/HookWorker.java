package io.weightcast.scorer.webhook;

import io.weightcast.core.records.Alert;
import io.weightcast.scorer.ScorerMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hook's delivery queue and its thread: alerts reach a hook in topic order, and a slow or dead hook only
 * delays its own queue, never another hook's. Each delivery ends delivered or with an acked dead letter.
 */
final class HookWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HookWorker.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final Hook hook;
    private final WebhookPoster poster;
    private final HookBodies bodies;
    private final ScorerMetrics metrics;
    private final NotifierDeadLetters deadLetters;
    private final ExecutorService queue;

    HookWorker(Hook hook, WebhookPoster poster, HookBodies bodies, ScorerMetrics metrics, NotifierDeadLetters deadLetters) {
        this.hook = hook;
        this.poster = poster;
        this.bodies = bodies;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.queue = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "scorer-webhook-" + hook.name());
            t.setDaemon(true);
            return t;
        });
    }

    boolean wants(Alert alert) {
        return hook.wants(alert);
    }

    /**
     * Queues one alert for this hook.
     *
     * @param abandoned set when the alert's partition left this consumer: a queued delivery is then skipped (the
     *                  partition's new owner delivers it)
     * @return completes when delivered or dead-lettered (acked); fails if the dead letter failed or the worker closed
     */
    CompletableFuture<Void> submit(ConsumerRecord<String, byte[]> record, Alert alert, AtomicBoolean abandoned) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            queue.execute(() -> deliver(record, alert, abandoned, done));
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e); // closing
        }
        return done;
    }

    private void deliver(ConsumerRecord<String, byte[]> r, Alert alert, AtomicBoolean abandoned, CompletableFuture<Void> done) {
        if (abandoned.get()) {
            done.complete(null);
            return;
        }
        try {
            WebhookPoster.Delivery d = poster.post(hook.url(), bodies.render(hook.format(), alert, r.value()), hook.secret());
            metrics.webhookDelivery(hook.name(), d.delivered());
            if (d.delivered()) {
                done.complete(null);
            } else {
                forward(deadLetters.send(r, "webhook_undeliverable", "webhook '" + hook.name() + "' (" + hook.origin() + ") gave up after "
                        + d.attempts() + " attempts: " + d.lastError()), done);
            }
        } catch (InterruptedException e) {
            done.completeExceptionally(e); // closing: not delivered, so not committed
        } catch (RuntimeException e) {
            // a bug rendering this alert must not stall the hook's queue: the alert is dead-lettered with the cause
            LOG.error("webhook '{}' could not deliver alert {}-{}@{}", hook.name(), r.topic(), r.partition(), r.offset(), e);
            metrics.notifierError(e.getClass().getSimpleName());
            forward(deadLetters.send(r, "webhook_error", "webhook '" + hook.name() + "' (" + hook.origin() + ") failed: " + e), done);
        } catch (Error e) {
            LOG.error("webhook '{}' worker error on alert {}-{}@{}", hook.name(), r.topic(), r.partition(), r.offset(), e);
            metrics.notifierError(e.getClass().getSimpleName());
            done.completeExceptionally(e); // the notifier rewinds and polls the alert again
        }
    }

    private static void forward(CompletableFuture<Void> from, CompletableFuture<Void> to) {
        from.whenComplete((ok, e) -> {
            if (e == null) {
                to.complete(null);
            } else {
                to.completeExceptionally(e);
            }
        });
    }

    /** Interrupts the delivery in progress (its alert stays uncommitted) and drops the queue. */
    @Override
    public void close() {
        queue.shutdownNow();
        try {
            if (!queue.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("webhook '{}' worker did not stop within {}", hook.name(), CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
