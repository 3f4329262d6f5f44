package io.weightcast.scorer.webhook;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.scorer.DeadLetterSink;
import io.weightcast.scorer.ScorerMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers every committed alert to every hook whose filter wants it, in the hook's format: its own consumer
 * group on the alerts topic, and one {@link HookWorker} (queue + thread) per hook, so a slow or dead hook never
 * delays a healthy one. The consumer thread only polls, hands alerts to the workers and commits: it polls every
 * {@value #POLL_MILLIS} ms whatever the hooks do, so a hook can never push it past {@code max.poll.interval.ms}.
 * An alert's offset is committed once every alert up to it was delivered to every interested hook or given up on,
 * and the dead letter saying why (per failed hook) was acked by the broker. At-least-once: a receiver may see an
 * alert twice after a crash, a rebalance or a failed commit.
 *
 * <p>It does not die quietly: a failed commit or any other exception is logged, counted
 * ({@code weightcast_webhook_notifier_errors_total}) and the loop polls on (after an unexpected one, from the first
 * unfinished alert); only a JVM {@link Error} ends it, and then {@link #alive()} turns false and so does the
 * scorer's {@code /ready}.
 */
public final class WebhookNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    public static final String SERVICE = "scorer-webhooks";
    static final long POLL_MILLIS = 200;
    /** Polled alerts not yet committed, above which the consumer pauses: bounds the hooks' queues. */
    static final int MAX_IN_FLIGHT = 1000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

    private final Consumer<String, byte[]> consumer;
    private final Duration maxPollInterval;
    private final String topic;
    private final List<HookWorker> workers;
    private final ScorerMetrics metrics;
    private final NotifierDeadLetters deadLetters;
    private final PendingAlerts pending = new PendingAlerts();
    /** Done offsets not committed yet (the last commit failed): retried with the next commit while the partition stays. */
    private final Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastPollNanos;

    /**
     * @param consumerConfig the notifier consumer's config; its {@code max.poll.interval.ms} bounds the poster's
     *                       retry budget ({@link RetryBackoff#budgetFor}) and the liveness check
     */
    public WebhookNotifier(Properties consumerConfig, String alertsTopic, List<Hook> hooks, WebhookPoster poster,
                           HookBodies bodies, ScorerMetrics metrics, DeadLetterSink deadLetters) {
        this(new KafkaConsumer<>(withinBudget(consumerConfig, poster), new StringDeserializer(), new ByteArrayDeserializer()),
                maxPollInterval(consumerConfig), alertsTopic, workers(hooks, poster, bodies, metrics, deadLetters), metrics, deadLetters);
    }

    WebhookNotifier(Consumer<String, byte[]> consumer, Duration maxPollInterval, String alertsTopic, List<HookWorker> workers,
                    ScorerMetrics metrics, DeadLetterSink deadLetters) {
        this.consumer = consumer;
        this.maxPollInterval = maxPollInterval;
        this.topic = alertsTopic;
        this.workers = List.copyOf(workers);
        this.metrics = metrics;
        this.deadLetters = new NotifierDeadLetters(deadLetters, metrics);
        this.thread = new Thread(this::run, "scorer-webhooks");
    }

    private static List<HookWorker> workers(List<Hook> hooks, WebhookPoster poster, HookBodies bodies, ScorerMetrics metrics,
                                            DeadLetterSink deadLetters) {
        NotifierDeadLetters letters = new NotifierDeadLetters(deadLetters, metrics);
        return hooks.stream().map(h -> new HookWorker(h, poster, bodies, metrics, letters)).toList();
    }

    /** Refuses a poster whose retries could outlast the bound the consumer's max.poll.interval.ms sets. */
    private static Properties withinBudget(Properties consumerConfig, WebhookPoster poster) {
        Duration allowed = RetryBackoff.budgetFor(maxPollInterval(consumerConfig));
        if (poster.backoff().budget().compareTo(allowed) > 0) {
            throw new IllegalArgumentException("the webhook retry budget " + poster.backoff().budget() + " exceeds a quarter of "
                    + "max.poll.interval.ms (" + allowed + ")");
        }
        return consumerConfig;
    }

    /** The consumer's {@code max.poll.interval.ms}, Kafka's default when unset. */
    public static Duration maxPollInterval(Properties consumerConfig) {
        Object v = consumerConfig.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return v == null ? RetryBackoff.DEFAULT_MAX_POLL_INTERVAL : Duration.ofMillis(Long.parseLong(v.toString().strip()));
    }

    public void start() {
        lastPollNanos = System.nanoTime();
        consumer.subscribe(List.of(topic), new Rebalance());
        thread.start();
    }

    /**
     * Whether the notifier works: its thread runs and polled within {@code max.poll.interval.ms} (the bound after
     * which Kafka itself gives its partitions to another member).
     */
    public boolean alive() {
        return thread.isAlive() && System.nanoTime() - lastPollNanos < maxPollInterval.toNanos();
    }

    private void run() {
        try {
            while (running) {
                try {
                    pollOnce();
                } catch (WakeupException | InterruptException e) {
                    if (running) { // only close() wakes or interrupts this thread
                        Thread.interrupted(); // a stray interrupt must not fail every poll after it
                        LOG.warn("webhook notifier woken up while running: {}", e.toString());
                        metrics.notifierError(e.getClass().getSimpleName());
                    }
                } catch (CommitFailedException | RebalanceInProgressException e) {
                    // the group moved on (rebalance or a missed poll): the partitions' next owner, maybe this
                    // consumer again, delivers the uncommitted alerts once more
                    LOG.warn("webhook notifier: offset commit failed, polling on: {}", e.toString());
                    metrics.notifierError(e.getClass().getSimpleName());
                } catch (RuntimeException e) {
                    LOG.error("webhook notifier: unexpected error; polling on from the first unfinished alert", e);
                    metrics.notifierError(e.getClass().getSimpleName());
                    seek(pending.abandonAll());
                    pauseAfterError();
                }
            }
        } catch (Error e) {
            LOG.error("webhook notifier stopped: {}; /ready now fails", e.toString(), e);
            metrics.notifierError(e.getClass().getSimpleName());
            throw e;
        } finally {
            Thread.interrupted(); // close() interrupted a wait; the consumer must still commit and leave its group cleanly
            try {
                toCommit.putAll(pending.collect().commit());
                if (!toCommit.isEmpty()) {
                    consumer.commitSync(toCommit, CLOSE_TIMEOUT);
                }
            } catch (RuntimeException e) {
                LOG.warn("webhook notifier: last commit failed: {}", e.toString());
            }
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
    }

    private void pollOnce() {
        var records = consumer.poll(Duration.ofMillis(POLL_MILLIS));
        lastPollNanos = System.nanoTime();
        for (ConsumerRecord<String, byte[]> r : records) {
            pending.add(new TopicPartition(r.topic(), r.partition()), dispatch(r));
        }
        commitDone(pending.collect());
        if (pending.size() >= MAX_IN_FLIGHT) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private PendingAlerts.Pending dispatch(ConsumerRecord<String, byte[]> r) {
        AtomicBoolean abandoned = new AtomicBoolean();
        Alert alert;
        try {
            alert = parse(r.value());
        } catch (RuntimeException e) {
            return new PendingAlerts.Pending(r.offset(), deadLetters.send(r, "malformed_alert",
                    "alert not deliverable to webhooks: " + e.getMessage()), abandoned);
        }
        CompletableFuture<?>[] deliveries = workers.stream().filter(w -> w.wants(alert))
                .map(w -> w.submit(r, alert, abandoned)).toArray(CompletableFuture[]::new);
        return new PendingAlerts.Pending(r.offset(), CompletableFuture.allOf(deliveries), abandoned);
    }

    private void commitDone(PendingAlerts.Progress progress) {
        if (!progress.rewind().isEmpty()) {
            // a dead letter was not stored: never commit past it; poll the alert again (the hooks may see it twice)
            LOG.error("webhook notifier: a dead letter could not be stored; delivering again from {}", progress.rewind());
            metrics.notifierError("dead_letter_not_stored");
            seek(progress.rewind());
        }
        toCommit.putAll(progress.commit());
        if (!toCommit.isEmpty()) {
            consumer.commitSync(toCommit);
            toCommit.clear();
        }
    }

    private void seek(Map<TopicPartition, Long> offsets) {
        var assigned = consumer.assignment();
        offsets.forEach((tp, offset) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    private void pauseAfterError() {
        try {
            Thread.sleep(ERROR_PAUSE.toMillis()); // a persistent failure must not spin the loop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Alert parse(byte[] value) {
        Alert alert = Json.read(value, Alert.class);
        if (alert == null || alert.runId() == null || alert.kind() == null) {
            throw new MalformedRecordException("alert lacks run_id or kind");
        }
        return alert;
    }

    /**
     * On revocation, waits up to one retry budget for the alerts in flight (a quarter of the rebalance timeout,
     * max.poll.interval.ms) and commits what is done, so the next owner repeats as little as possible; the rest is
     * abandoned to it.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (running) { // when closing the workers stop too: nothing more gets done
                awaitInFlight(partitions);
            }
            Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>(pending.collect(partitions).commit());
            partitions.forEach(tp -> {
                OffsetAndMetadata earlier = toCommit.remove(tp);
                if (earlier != null) {
                    done.putIfAbsent(tp, earlier);
                }
            });
            try {
                if (!done.isEmpty()) {
                    consumer.commitSync(done);
                }
            } catch (RuntimeException e) {
                LOG.warn("webhook notifier: commit on revocation failed: {}", e.toString());
                metrics.notifierError(e.getClass().getSimpleName());
            }
            pending.abandon(partitions);
        }

        private void awaitInFlight(Collection<TopicPartition> partitions) {
            try {
                pending.allDone(partitions).get(RetryBackoff.budgetFor(maxPollInterval).toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // commit the done prefix; the rest goes to the next owner
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            pending.abandon(partitions); // already owned by another member: nothing to commit
            partitions.forEach(toCommit::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // nothing pending for them yet
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT)); // never started: the loop's finally will not close it
        } else if (thread.isAlive()) {
            consumer.wakeup();
            thread.interrupt(); // cut a revocation wait short
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(HookWorker::close); // interrupts back-offs: those alerts stay uncommitted, delivered after restart
    }
}
