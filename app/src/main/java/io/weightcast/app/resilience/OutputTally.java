package io.weightcast.app.resilience;

import io.weightcast.app.load.LatencyRecorder;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.Score;
import io.weightcast.core.safetensors.SafeTensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, per (run_id, step), the records on the checkpoints, features and scores topics, and lists the
 * model versions in offset order, reading every topic from the beginning with a read_committed consumer:
 * exactly what any downstream consumer sees, so an aborted transaction of a killed instance never counts,
 * and a committed duplicate always does. No deduplication anywhere: a key seen twice is counted twice.
 *
 * <p>It also tells when the topics are quiet: the consumer has reached the last stable offset of every
 * partition, and that offset equals the high watermark (no transaction left open by a killed producer
 * that could still commit or abort records ahead of us).
 */
final class OutputTally implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputTally.class);

    /**
     * What arrived for one (run, step). Written by the tally thread only; read after it is quiet.
     * {@code firstScoreNanos} is when the first score was SCORED (its {@code scored_at}, on the
     * {@link System#nanoTime()} scale), not when this consumer read it: a busy harness reading late must
     * not make the pipeline look slow. {@code firstScoreReadNanos} is when it was read.
     */
    static final class Counts {
        volatile int checkpoints;
        volatile int features;
        volatile int scores;
        volatile long firstScoreNanos;
        volatile long firstScoreReadNanos;
        /** When the first feature was computed ({@code computed_at}, nanoTime scale); takeover times compare it with a kill. */
        volatile long firstFeatureNanos;
        /** The partitions its checkpoint and its first feature landed on (who owned them decides who processed it); -1 until seen. */
        volatile int checkpointPartition = -1;
        volatile int featurePartition = -1;
    }

    private final Topics topics;
    private final String runPrefix;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaConsumer<String, byte[]> highWatermarks;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final List<Long> modelVersions = new CopyOnWriteArrayList<>();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong features = new AtomicLong();
    private final AtomicLong scores = new AtomicLong();
    private final AtomicLong checkpointRecords = new AtomicLong();
    private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile long lastRecordNanos = System.nanoTime();
    private final long baseNanos = System.nanoTime();
    private final long baseMillis = System.currentTimeMillis();
    private final LatencyRecorder readLag = new LatencyRecorder();
    private volatile boolean atStableEnd;
    private volatile boolean running = true;

    OutputTally(String bootstrap, Topics topics, String runPrefix) {
        this.topics = topics;
        this.runPrefix = runPrefix;
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weightcast-chaos-tally");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        Properties raw = KafkaConfigs.consumer(bootstrap, null);
        raw.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        raw.put(ConsumerConfig.CLIENT_ID_CONFIG, "weightcast-chaos-hw");
        this.highWatermarks = new KafkaConsumer<>(raw, new StringDeserializer(), new ByteArrayDeserializer());
        for (String t : List.of(topics.checkpoints(), topics.features(), topics.scores(), topics.models(), topics.deadLetters())) {
            consumer.partitionsFor(t, Duration.ofSeconds(60)).forEach(pi -> partitions.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        highWatermarks.assign(partitions);
        this.thread = new Thread(this::loop, "chaos-tally");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        long nextEndCheck = 0;
        while (running) {
            try {
                var records = consumer.poll(Duration.ofMillis(200));
                long now = System.nanoTime();
                for (ConsumerRecord<String, byte[]> r : records) {
                    accept(r, now);
                }
                if (!records.isEmpty()) {
                    lastRecordNanos = now;
                    atStableEnd = false;
                } else if (now >= nextEndCheck) {
                    atStableEnd = checkStableEnd();
                    nextEndCheck = now + 500_000_000L;
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // The broker may be down (the broker kill): keep polling, the consumer reconnects.
                LOG.debug("tally poll failed: {}", e.toString());
                atStableEnd = false;
                sleep(200);
            }
        }
    }

    /** Position at the last stable offset everywhere, and no open transaction (LSO = high watermark). */
    private boolean checkStableEnd() {
        Map<TopicPartition, Long> stable = consumer.endOffsets(partitions, Duration.ofSeconds(5));
        Map<TopicPartition, Long> high = highWatermarks.endOffsets(partitions, Duration.ofSeconds(5));
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, Duration.ofSeconds(5)) < stable.get(tp) || !stable.get(tp).equals(high.get(tp))) {
                return false;
            }
        }
        return true;
    }

    private void accept(ConsumerRecord<String, byte[]> r, long now) {
        String topic = r.topic();
        if (r.value() == null) {
            return;
        }
        try {
            if (topic.equals(topics.models())) {
                if (ModelVersion.ACCURACY_MODEL.equals(r.key())) { // not the dying-ReLU classifier's own versions
                    modelVersions.add((long) Json.read(r.value(), ModelVersion.class).version());
                }
                arrived(topic, now);
            } else if (topic.equals(topics.deadLetters())) {
                deadLetters.incrementAndGet();
            } else if (topic.equals(topics.checkpoints())) {
                CheckpointMetadata meta = CheckpointMetadata.parse(SafeTensors.read(r.value()).metadata(), r.key());
                if (meta.part() == 0 && mine(meta.runId())) {
                    arrived(topic, nanosOf(r.timestamp()));
                    checkpointRecords.incrementAndGet();
                    Counts c = counts(meta.runId(), meta.step());
                    if (c.checkpoints++ == 0) {
                        c.checkpointPartition = r.partition();
                    }
                }
            } else if (topic.equals(topics.features())) {
                FeatureVector fv = Json.read(r.value(), FeatureVector.class);
                if (mine(fv.runId())) {
                    long computed = nanosOf(fv.computedAt());
                    arrived(topic, computed);
                    features.incrementAndGet();
                    Counts c = counts(fv.runId(), fv.step());
                    if (c.features++ == 0) {
                        c.firstFeatureNanos = computed;
                        c.featurePartition = r.partition();
                    }
                }
            } else if (topic.equals(topics.scores())) {
                Score s = Json.read(r.value(), Score.class);
                if (mine(s.runId())) {
                    long scored = nanosOf(s.scoredAt());
                    arrived(topic, scored);
                    readLag.record(Math.max(0, now - scored) / 1e6);
                    scores.incrementAndGet();
                    Counts c = counts(s.runId(), s.step());
                    if (c.scores++ == 0) {
                        c.firstScoreNanos = scored;
                        c.firstScoreReadNanos = now;
                    }
                }
            }
        } catch (RuntimeException e) {
            unreadable.incrementAndGet();
            LOG.warn("unreadable record on {} at {}-{}: {}", topic, r.partition(), r.offset(), e.toString());
        }
    }

    /** A wall-clock time of a record (same host, same clock) on this JVM's {@link System#nanoTime()} scale. */
    private long nanosOf(long epochMillis) {
        return baseNanos + (epochMillis - baseMillis) * 1_000_000L;
    }

    private void arrived(String topic, long nanos) {
        arrivals.computeIfAbsent(topic, t -> java.util.Collections.synchronizedList(new ArrayList<>())).add(nanos);
    }

    /** How long after {@code scored_at} this consumer read the scores (ms): its own lag, which the other times exclude. */
    LatencyRecorder.Summary readLag() {
        return readLag.summary();
    }

    private boolean mine(String runId) {
        return runId != null && runId.startsWith(runPrefix);
    }

    private Counts counts(String runId, long step) {
        return counts.computeIfAbsent(key(runId, step), k -> new Counts());
    }

    static String key(String runId, long step) {
        return runId + '#' + step;
    }

    Topics topics() {
        return topics;
    }

    /** The counts of a key, or null when nothing arrived for it. */
    Counts get(String runId, long step) {
        return counts.get(key(runId, step));
    }

    Map<String, Counts> all() {
        return counts;
    }

    long features() {
        return features.get();
    }

    long scores() {
        return scores.get();
    }

    long checkpointRecords() {
        return checkpointRecords.get();
    }

    long deadLetters() {
        return deadLetters.get();
    }

    long unreadable() {
        return unreadable.get();
    }

    List<Long> modelVersions() {
        return List.copyOf(modelVersions);
    }

    /**
     * The first record of {@code topic} made after {@code afterNanos} ({@link System#nanoTime()} scale), or null.
     * "Made": features by {@code computed_at}, scores by {@code scored_at}, checkpoints by their record
     * timestamp; models when read.
     */
    Long firstArrivalAfter(String topic, long afterNanos) {
        List<Long> times = arrivals.getOrDefault(topic, List.of());
        Long first = null;
        synchronized (times) {
            for (long t : times) {
                if (t > afterNanos && (first == null || t < first)) {
                    first = t;
                }
            }
        }
        return first;
    }

    boolean atStableEnd() {
        return atStableEnd;
    }

    /** Seconds since the last record of any watched topic arrived. */
    double quietSeconds() {
        return (System.nanoTime() - lastRecordNanos) / 1e9;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
        highWatermarks.close(Duration.ofSeconds(5));
    }
}
