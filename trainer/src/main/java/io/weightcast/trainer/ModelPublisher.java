package io.weightcast.trainer;

import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes model versions to the compacted models topic, keyed by model name (or encoder versions to the
 *  encoders topic), signed ({@link RecordSignature}) when a signing key is set, through the trainer's
 *  {@link TransactionalPublisher}; returns after the transaction committed. */
final class ModelPublisher {
    private final TransactionalPublisher transactions;
    private final String topic;
    private final RecordSignature signature;

    ModelPublisher(TransactionalPublisher transactions, String topic, RecordSignature signature) {
        this.transactions = transactions;
        this.topic = topic;
        this.signature = signature;
    }

    void publish(ModelVersion mv) {
        publish(mv.name(), Json.bytes(mv), "model version " + mv.version());
    }

    /**
     * Any keyed record (an encoder version on the encoders topic); {@code what} names it in errors.
     *
     * @throws TransactionalPublisher.LeadershipLostException when this replica was fenced by a newer one
     */
    void publish(String key, byte[] value, String what) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        signature.sign(record.headers(), topic, key, value);
        transactions.send(record, what);
    }
}
