package io.weightcast.ingest;

import io.weightcast.core.kafka.KafkaConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what a topic holds, for assertions (read_committed, from the beginning, no group). */
final class TopicProbe implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;

    private final String bootstrap;

    TopicProbe(String bootstrap) {
        this.bootstrap = bootstrap;
        this.consumer = newConsumer();
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        return new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null), new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Total records in the topic (sum of end offsets). */
    long count(String topic) {
        return consumer.endOffsets(partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every record with {@code key}, in offset order per partition (one key → one partition). */
    List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
        // A fresh consumer per read: reassigning a shared one makes it log stale-offset warnings.
        try (KafkaConsumer<String, byte[]> reader = newConsumer()) {
            List<TopicPartition> partitions = partitions(topic);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!caughtUp(reader, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        out.add(r);
                    }
                }
            }
            return out;
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> reader, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> reader.position(e.getKey()) >= e.getValue());
    }

    private List<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
