package io.weightcast.scorer.webhook;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.scorer.DeadLetterSink;
import io.weightcast.scorer.DeadLetters;
import io.weightcast.scorer.ScorerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers every committed alert to every hook whose filter wants it, in the hook's format: its own
 * consumer group on the alerts topic, one record at a time, committing each record's offset once it
 * was delivered to every interested hook or given up on (then a dead letter per failed hook says why).
 * At-least-once: a receiver may see an alert twice after a crash.
 */
public final class WebhookNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    public static final String SERVICE = "scorer-webhooks";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final List<Hook> hooks;
    private final WebhookPoster poster;
    private final HookBodies bodies;
    private final ScorerMetrics metrics;
    private final DeadLetterSink deadLetters;
    private final Thread thread;
    private volatile boolean running = true;

    public WebhookNotifier(String bootstrap, String groupId, String alertsTopic, List<Hook> hooks, WebhookPoster poster,
                           HookBodies bodies, ScorerMetrics metrics, DeadLetterSink deadLetters) {
        this.consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, groupId), new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = alertsTopic;
        this.hooks = List.copyOf(hooks);
        this.poster = poster;
        this.bodies = bodies;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.thread = new Thread(this::run, "scorer-webhooks");
    }

    public void start() {
        consumer.subscribe(List.of(topic));
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> r : records) {
                    deliver(r);
                    consumer.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
                }
            }
        } catch (WakeupException | InterruptException | InterruptedException e) {
            // closing: the record in hand is not committed and will be delivered again
        } catch (RuntimeException e) {
            LOG.error("webhook notifier stopped: {}", e.toString(), e);
        } finally {
            Thread.interrupted(); // close() interrupted a back-off; the consumer must still leave its group cleanly
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> r) throws InterruptedException {
        Alert alert;
        try {
            alert = parse(r.value());
        } catch (MalformedRecordException e) {
            deadLetter(r, "malformed_alert", "alert not deliverable to webhooks: " + e.getMessage());
            return;
        }
        for (Hook hook : hooks) {
            if (!hook.wants(alert)) {
                continue;
            }
            WebhookPoster.Delivery d = poster.post(hook.url(), bodies.render(hook.format(), alert, r.value()), hook.secret());
            metrics.webhookDelivery(hook.name(), d.delivered());
            if (!d.delivered()) {
                deadLetter(r, "webhook_undeliverable", "webhook '" + hook.name() + "' (" + hook.origin() + ") gave up after "
                        + d.attempts() + " attempts: " + d.lastError());
            }
        }
    }

    private static Alert parse(byte[] value) {
        Alert alert = Json.read(value, Alert.class);
        if (alert == null || alert.runId() == null || alert.kind() == null) {
            throw new MalformedRecordException("alert lacks run_id or kind");
        }
        return alert;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> r, String category, String reason) {
        LOG.warn("alert {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
        metrics.deadLetter(category);
        deadLetters.publish(r.key(), DeadLetters.of(SERVICE, r.topic(), r.partition(), r.offset(), r.key(), r.value(),
                reason, System.currentTimeMillis()));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        thread.interrupt(); // cut a back-off short; the alert in hand stays uncommitted and is delivered after restart
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
