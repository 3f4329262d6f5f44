package io.weightcast.app.resilience;

import io.weightcast.core.kafka.KafkaConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics from the beginning as a read_committed consumer without a group (what any downstream
 * consumer sees: aborted transactions never, committed duplicates always). {@link #drain()} returns what
 * arrived since the last call, up to the last stable offset of every partition at the time of the call.
 */
final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();

    TopicReader(String bootstrap, String clientId, List<String> topics) {
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        for (String t : topics) {
            consumer.partitionsFor(t, Duration.ofSeconds(60)).forEach(pi -> partitions.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Every record committed since the last call (bounded by 60 s of polling). */
    List<ConsumerRecord<String, byte[]>> drain() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (behind(end) && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    private boolean behind(Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
