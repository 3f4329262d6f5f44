package io.weightcast.ingest;

import io.weightcast.core.kafka.KafkaConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Kafka side, separate from the HTTP verticle: one idempotent acks=all producer,
 * a dedicated thread for {@code send} (which blocks while metadata or buffer space is missing, and
 * must never block the event loop), and a background metadata fetch that makes the service ready.
 */
final class IngestProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestProducer.class);

    private final KafkaProducer<String, byte[]> producer;
    private final AckedSender sender;
    private final ExecutorService sendThread;
    private final Thread metadataThread;
    private volatile boolean ready;
    private volatile boolean closed;

    IngestProducer(String bootstrap, int ackTimeoutMs, List<String> topics) {
        this.producer = new KafkaProducer<>(config(bootstrap, ackTimeoutMs), new StringSerializer(), new ByteArraySerializer());
        this.sender = new AckedSender(producer);
        this.sendThread = Executors.newSingleThreadExecutor(r -> daemon(r, "ingest-kafka-send"));
        this.metadataThread = daemon(() -> fetchMetadata(topics), "ingest-kafka-metadata");
        metadataThread.start();
    }

    /** Producer settings: the shared idempotent acks=all ones, with every wait bounded by the ack timeout. */
    static Properties config(String bootstrap, int ackTimeoutMs) {
        Properties p = KafkaConfigs.producer(bootstrap, "weightcast-ingest");
        int linger = Integer.parseInt(p.get(ProducerConfig.LINGER_MS_CONFIG).toString());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ackTimeoutMs);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, ackTimeoutMs - linger - 1));
        return p;
    }

    /** Completes when the broker acked every value; fails with the producer's exception otherwise. */
    CompletableFuture<List<RecordMetadata>> send(String topic, String key, List<byte[]> values) {
        return send(topic, key, values.size(), values::get);
    }

    /**
     * Builds value {@code i} on the send thread right before sending it ({@link AckedSender#sendAll(String, String, int,
     * IntFunction)}): with one send thread, one part of one checkpoint exists outside the producer's buffer at a time.
     */
    CompletableFuture<List<RecordMetadata>> send(String topic, String key, int count, IntFunction<byte[]> values) {
        try {
            return CompletableFuture.supplyAsync(() -> sender.sendAll(topic, key, count, values), sendThread)
                    .thenCompose(Function.identity());
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new KafkaException("ingest producer is closed"));
        }
    }

    /** True once metadata for every topic was fetched (the topics exist and a broker answered). */
    boolean ready() {
        return ready;
    }

    private void fetchMetadata(List<String> topics) {
        boolean warned = false;
        while (!closed) {
            try {
                for (String topic : topics) {
                    producer.partitionsFor(topic);
                }
                ready = true;
                LOG.info("ingest producer has metadata for {}", topics);
                return;
            } catch (KafkaException e) {
                if (!warned) {
                    LOG.warn("no Kafka metadata for {} yet ({}); retrying", topics, e.getMessage());
                    warned = true;
                }
                if (!sleep(1000)) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        metadataThread.interrupt();
        sendThread.shutdown();
        producer.close(Duration.ofSeconds(5));
    }

    private static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
