package io.weightcast.app.live;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import java.time.Duration;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Mode (a): a plain {@link KafkaProducer} (idempotent, acks=all) sending {@link ContractRecords}:
 * what any producer that read only the README's contract would send. Each call waits for the
 * broker's acknowledgement, as a loop that must not lose a checkpoint would.
 */
public final class PlainPublisher implements RunPublisher {
    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;

    public PlainPublisher(String bootstrap, Topics topics) {
        this.producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, "weightcast-eval-live"),
                new StringSerializer(), new ByteArraySerializer());
        this.topics = topics;
    }

    @Override
    public void start(ZooRun run) throws Exception {
        send(topics.runs(), run, ContractRecords.started(run)).get();
    }

    @Override
    public void checkpoint(ZooRun run, int step) throws Exception {
        Future<RecordMetadata> cp = send(topics.checkpoints(), run, ContractRecords.checkpoint(run, step));
        Future<RecordMetadata> ev = send(topics.runs(), run, ContractRecords.metrics(run, step));
        cp.get();
        ev.get();
    }

    @Override
    public void finish(ZooRun run) throws Exception {
        send(topics.runs(), run, ContractRecords.finished(run)).get();
    }

    private Future<RecordMetadata> send(String topic, ZooRun run, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, run.replayId(), value));
    }

    @Override
    public String mode() {
        return "plain";
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
