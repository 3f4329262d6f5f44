package io.weightcast.scorer;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dead letters produced outside a stream transaction (idempotent, acks=all). */
public final class KafkaDeadLetterSink implements DeadLetterSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaDeadLetterSink.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public KafkaDeadLetterSink(String bootstrap, String clientId, String topic) {
        this.producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, clientId), new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    @Override
    public void publish(String key, DeadLetter letter) {
        publishAcked(key, letter);
    }

    /** Completes when the broker has acknowledged the letter (acks=all), or fails with the producer's error. */
    @Override
    public CompletableFuture<Void> publishAcked(String key, DeadLetter letter) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, Json.bytes(letter)), (meta, e) -> {
                if (e != null) {
                    LOG.error("could not write dead letter for {}-{}@{}: {}", letter.sourceTopic(), letter.partition(), letter.offset(), e.toString());
                    acked.completeExceptionally(e);
                } else {
                    acked.complete(null);
                }
            });
        } catch (RuntimeException e) { // send throws for a closed producer or a full buffer past max.block.ms
            LOG.error("could not write dead letter for {}-{}@{}: {}", letter.sourceTopic(), letter.partition(), letter.offset(), e.toString());
            acked.completeExceptionally(e);
        }
        return acked;
    }

    @Override
    public void close() {
        producer.close();
    }
}
