package io.weightcast.testkit;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.records.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what a topic holds, for assertions: every call opens its own consumer (read_committed, no group, all
 * partitions from the beginning), so reads never disturb each other or the services' groups. Values are decoded
 * from JSON into the record type asked for.
 */
public final class TopicReader {
    /** How long a poll blocks; short, so a predicate is checked often. */
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long {@link #toEnd(String)} may take to reach the end offsets it saw (they are there: this is a safety net). */
    public static final Duration TO_END = Duration.ofSeconds(20);

    private final String bootstrap;

    public TopicReader(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** Every record up to the end offsets the topic has when called (at most {@link #TO_END}). */
    public List<ConsumerRecord<String, byte[]>> toEnd(String topic) {
        return toEnd(topic, TO_END);
    }

    /** The records with {@code key} up to the current end (at most {@link #TO_END}). */
    public List<ConsumerRecord<String, byte[]>> toEnd(String topic, String key) {
        return toEnd(topic, key, TO_END);
    }

    /** Every record up to the end offsets the topic has when called (at most {@code timeout}). */
    public List<ConsumerRecord<String, byte[]>> toEnd(String topic, Duration timeout) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> partitions = fromBeginning(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(c, end) && System.nanoTime() < deadline) {
                c.poll(POLL).forEach(out::add);
            }
            return out;
        }
    }

    /** The records with {@code key} up to the current end (one key → one partition: in offset order). */
    public List<ConsumerRecord<String, byte[]>> toEnd(String topic, String key, Duration timeout) {
        return toEnd(topic, timeout).stream().filter(r -> key.equals(r.key())).toList();
    }

    /** Values until {@code done} holds for what was read or {@code timeout} passes; the caller asserts on the list. */
    public <T> List<T> until(String topic, Class<T> type, Predicate<List<T>> done, Duration timeout) {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            fromBeginning(c, topic);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    out.add(Json.read(r.value(), type));
                }
            }
        }
        return out;
    }

    /**
     * Values until {@code done} holds and every record the topic held when called was read (at most {@code timeout}):
     * for a predicate that can hold before the records that came with it (an alert committed with its scores).
     */
    public <T> List<T> untilCaughtUp(String topic, Class<T> type, Predicate<List<T>> done, Duration timeout) {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> partitions = fromBeginning(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while ((!done.test(out) || !caughtUp(c, end)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    out.add(Json.read(r.value(), type));
                }
            }
        }
        return out;
    }

    /**
     * Values until at least {@code expected} arrived (at most {@code timeout}), then for {@code settle} more, so that
     * duplicates (an exactly-once violation) show up in the list.
     */
    public <T> List<T> atLeast(String topic, Class<T> type, int expected, Duration timeout, Duration settle) {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            fromBeginning(c, topic);
            long deadline = System.nanoTime() + timeout.toNanos();
            long settled = Long.MAX_VALUE;
            while (System.nanoTime() - Math.min(deadline, settled) < 0) {
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    out.add(Json.read(r.value(), type));
                }
                if (out.size() >= expected && settled == Long.MAX_VALUE) {
                    settled = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return out;
    }

    /** How many records the topic holds (the sum of its end offsets, transaction markers included). */
    public long count(String topic) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            return c.endOffsets(partitions(c, topic)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> fromBeginning(KafkaConsumer<String, byte[]> c, String topic) {
        List<TopicPartition> partitions = partitions(c, topic);
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return partitions;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        return c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
    }
}
