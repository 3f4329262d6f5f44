package io.weightcast.app.load;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the scores, alerts and dead-letters topics (read_committed, so a score counts only once the
 * scorer's transaction committed it, as for any downstream consumer) from their end at start, and
 * matches each score of this bench's runs to the checkpoint it answers by (run_id, step).
 */
final class ScoreWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreWatcher.class);

    /** A checkpoint sent and not yet forgotten. */
    private record Expected(BenchPhase phase, long sendNanos, AtomicInteger scores) {
    }

    private final Topics topics;
    private final String runPrefix;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    private final AtomicLong unmatched = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private volatile BenchPhase current;
    private volatile boolean running = true;

    ScoreWatcher(String bootstrap, Topics topics, String runPrefix) {
        this.topics = topics;
        this.runPrefix = runPrefix;
        this.consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.scores(), topics.alerts(), topics.deadLetters())) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end offsets now, before anything is sent: a lazy seek could skip our first scores.
        partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
        this.thread = new Thread(this::loop, "bench-score-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Registers a checkpoint about to be sent (before the send, so its score cannot arrive first). */
    void expect(String runId, long step, BenchPhase phase, long sendNanos) {
        expected.put(key(runId, step), new Expected(phase, sendNanos, new AtomicInteger()));
    }

    /** Forgets a checkpoint whose send failed: no score is due for it. */
    void forget(String runId, long step) {
        expected.remove(key(runId, step));
    }

    /** The phase dead letters and alerts are counted against (they carry no step to match by). */
    void phase(BenchPhase phase) {
        this.current = phase;
    }

    long unmatched() {
        return unmatched.get();
    }

    long unreadable() {
        return unreadable.get();
    }

    private void loop() {
        while (running) {
            try {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    accept(r, System.nanoTime());
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("score watcher poll failed", e);
            }
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r, long arrivalNanos) {
        if (r.key() == null || !r.key().startsWith(runPrefix) || r.value() == null) {
            return;
        }
        BenchPhase phase = current;
        if (r.topic().equals(topics.deadLetters())) {
            if (phase != null) {
                phase.deadLetters.incrementAndGet();
            }
            return;
        }
        if (r.topic().equals(topics.alerts())) {
            if (phase != null) {
                phase.alerts.incrementAndGet();
            }
            return;
        }
        Score score;
        try {
            score = Json.read(r.value(), Score.class);
        } catch (RuntimeException e) {
            unreadable.incrementAndGet();
            return;
        }
        Expected e = expected.get(key(score.runId(), score.step()));
        if (e == null) {
            unmatched.incrementAndGet();
            return;
        }
        if (e.scores().incrementAndGet() > 1) {
            e.phase().duplicates.incrementAndGet();
            return;
        }
        e.phase().scored(e.sendNanos(), arrivalNanos, score.scoredAt() - score.checkpointTimestamp());
    }

    private static String key(String runId, long step) {
        return runId + '\u0000' + step;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
