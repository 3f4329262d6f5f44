package io.weightcast.scorer;

import io.weightcast.core.records.DeadLetter;
import java.util.concurrent.CompletableFuture;

/**
 * Where dead letters go when they cannot be forwarded inside a stream task: the global (models) thread
 * and the webhook notifier. The stream tasks forward theirs to the dead-letters topic in their transaction.
 */
@FunctionalInterface
public interface DeadLetterSink {
    void publish(String key, DeadLetter letter);

    /**
     * Publishes and completes once the letter is stored (for Kafka: acknowledged by the broker), or fails: the
     * webhook notifier commits an alert's offset only after its dead letters are acked. A synchronous sink is
     * done when {@link #publish} returns; an asynchronous one overrides this.
     */
    default CompletableFuture<Void> publishAcked(String key, DeadLetter letter) {
        try {
            publish(key, letter);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
