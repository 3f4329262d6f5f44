package io.weightcast.trainer;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes model versions to the compacted models topic, keyed by model name (or encoder versions to the
 *  encoders topic), signed ({@link RecordSignature}) when a signing key is set; returns after the broker acked. */
final class ModelPublisher implements AutoCloseable {
    private static final long ACK_TIMEOUT_SECONDS = 60;

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final RecordSignature signature;

    ModelPublisher(String bootstrap, String topic, Map<String, String> overrides, RecordSignature signature) {
        Properties p = KafkaConfigs.producer(bootstrap, "weightcast-trainer");
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.signature = signature;
    }

    void publish(ModelVersion mv) {
        publish(mv.name(), Json.bytes(mv), "model version " + mv.version());
    }

    /** Any keyed record (an encoder version on the encoders topic); {@code what} names it in errors. */
    void publish(String key, byte[] value, String what) {
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            signature.sign(record.headers(), topic, key, value);
            producer.send(record).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(what + " was not acknowledged by " + topic
                    + ": " + cause.getMessage(), cause);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
