package io.weightcast.testkit;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Json;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A producer with the services' settings ({@link KafkaConfigs#producer}) whose sends wait for the broker's ack. */
public final class TopicWriter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;

    public TopicWriter(String bootstrap, String clientId) {
        producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, clientId), new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends one record and waits until it is written. */
    public RecordMetadata send(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code value} as JSON ({@link Json#bytes}). */
    public RecordMetadata sendJson(String topic, String key, Object value) {
        return send(topic, key, Json.bytes(value));
    }

    @Override
    public void close() {
        producer.close();
    }
}
