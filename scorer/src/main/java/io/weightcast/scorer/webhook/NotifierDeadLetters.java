package io.weightcast.scorer.webhook;

import io.weightcast.scorer.DeadLetterSink;
import io.weightcast.scorer.DeadLetters;
import io.weightcast.scorer.ScorerMetrics;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The notifier's dead letters: one per alert a hook gave up on (or per malformed alert), acked before the commit. */
final class NotifierDeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(NotifierDeadLetters.class);

    private final DeadLetterSink sink;
    private final ScorerMetrics metrics;

    NotifierDeadLetters(DeadLetterSink sink, ScorerMetrics metrics) {
        this.sink = sink;
        this.metrics = metrics;
    }

    /**
     * @param category the metric's short reason label
     * @return completes when the dead letter is stored; fails if it could not be (the alert is then polled again)
     */
    CompletableFuture<Void> send(ConsumerRecord<String, byte[]> r, String category, String reason) {
        LOG.warn("alert {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
        metrics.deadLetter(category);
        return sink.publishAcked(r.key(), DeadLetters.of(WebhookNotifier.SERVICE, r.topic(), r.partition(), r.offset(), r.key(),
                r.value(), reason, System.currentTimeMillis()));
    }
}
