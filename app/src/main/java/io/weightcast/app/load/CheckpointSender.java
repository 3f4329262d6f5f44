package io.weightcast.app.load;

import java.util.concurrent.CompletableFuture;

/** How the harness hands a checkpoint to Weightcast; the future completes once it is durably accepted. */
public interface CheckpointSender extends AutoCloseable {

    /** @return completes when Kafka acked the checkpoint (directly, or behind the gateway's 202) */
    CompletableFuture<?> send(String runId, long step, byte[] safetensors);

    /** "kafka" or "http", for the report. */
    String via();

    @Override
    void close();
}
