package io.weightcast.streams;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code encoders} topic and holds the newest {@link EncoderVersion}. A plain
 * consumer without a group (every streams instance needs every encoder, and a restart re-reads the
 * compacted topic from the start), on its own daemon thread; the stream threads only read
 * {@link #current()}. A record that does not decode is counted and skipped: the previous encoder
 * keeps serving.
 */
final class EncoderWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderWatcher.class);

    private final AtomicReference<EncoderVersion> current = new AtomicReference<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Consumer<String> rejected;
    private final RecordSignature signature;
    private final Thread thread;
    private volatile boolean running = true;

    EncoderWatcher(Properties clientProperties, String topic, Consumer<String> rejected) {
        this(clientProperties, topic, rejected, RecordSignature.none());
    }

    /** @param signature encoder records without a valid signature are rejected, never loaded ({@link RecordSignature}) */
    EncoderWatcher(Properties clientProperties, String topic, Consumer<String> rejected, RecordSignature signature) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weightcast-streams-encoders");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.rejected = rejected;
        this.signature = signature;
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        this.thread = new Thread(this::loop, "weightcast-streams-encoders");
        thread.setDaemon(true);
        thread.start();
    }

    /** The newest encoder read so far, or null. */
    EncoderVersion current() {
        return current.get();
    }

    private void loop() {
        while (running) {
            try {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                    offer(rec);
                }
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("encoder watcher woken up while running; continuing");
                }
            } catch (KafkaException e) {
                LOG.warn("reading encoders failed, retrying in 1 s: {}", e.toString());
                sleep();
            }
        }
        consumer.close();
    }

    private void offer(ConsumerRecord<byte[], byte[]> rec) {
        String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
        if (!EncoderVersion.KEY.equals(key) || rec.value() == null) {
            return;
        }
        RecordSignature.Verdict verdict = signature.verify(rec.headers(), rec.topic(), key, rec.value());
        if (!verdict.accepted()) {
            LOG.warn("encoders record at offset {} rejected: signature {}", rec.offset(), verdict.name().toLowerCase(java.util.Locale.ROOT));
            rejected.accept("signature " + verdict.name().toLowerCase(java.util.Locale.ROOT));
            return;
        }
        try {
            EncoderVersion v = Json.read(rec.value(), EncoderVersion.class);
            v.encoderBytes(); // validates the payload before it replaces a working encoder
            if (v.architecture() == null) {
                throw new IllegalArgumentException("encoder version " + v.version() + " names no architecture");
            }
            EncoderVersion before = current.get();
            if (before == null || v.version() > before.version()) {
                current.set(v);
                LOG.info("encoder version {} for {} (z dim {}, trained on {} runs)", v.version(), v.architecture(),
                        v.embeddingDim(), v.trainingRuns());
            }
        } catch (RuntimeException e) {
            LOG.warn("encoders record at offset {} rejected: {}", rec.offset(), e.getMessage());
            rejected.accept(e.getMessage());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
    }
}
