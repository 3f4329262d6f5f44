package io.weightcast.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends records with one key and completes once the broker acknowledged every one of them
 * (acks=all on an idempotent producer: the in-sync replicas have them, in order, without duplicates
 * from producer retries). Shared by the HTTP gateway and the SDK so both split and ack alike.
 */
public final class AckedSender {
    private final Producer<String, byte[]> producer;

    public AckedSender(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /**
     * Sends {@code values} in order to {@code topic} under {@code key}. May block the calling thread
     * while the producer waits for metadata or buffer space (bounded by {@code max.block.ms}).
     */
    public CompletableFuture<List<RecordMetadata>> sendAll(String topic, String key, List<byte[]> values) {
        return sendAll(topic, key, values.size(), values::get);
    }

    /**
     * Sends {@code count} values, {@code values.apply(i)} built right before its send and not kept afterwards (the
     * producer copies it into its batch), so a large checkpoint's parts need not all exist at once.
     */
    public CompletableFuture<List<RecordMetadata>> sendAll(String topic, String key, int count, IntFunction<byte[]> values) {
        List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
            acks.add(ack);
            try {
                producer.send(new ProducerRecord<>(topic, key, values.apply(i)), (metadata, error) -> {
                    if (error != null) {
                        ack.completeExceptionally(error);
                    } else {
                        ack.complete(metadata);
                    }
                });
            } catch (RuntimeException e) {
                ack.completeExceptionally(e);
                break; // later parts would only be orphans of an incomplete checkpoint
            }
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .thenApply(done -> acks.stream().map(CompletableFuture::join).toList());
    }
}
