package io.weightcast.scorer;

import io.weightcast.core.records.DeadLetter;

/**
 * Where dead letters go when they cannot be forwarded inside a stream task: the global (models) thread
 * and the webhook notifier. The stream tasks forward theirs to the dead-letters topic in their transaction.
 */
@FunctionalInterface
public interface DeadLetterSink {
    void publish(String key, DeadLetter letter);
}
