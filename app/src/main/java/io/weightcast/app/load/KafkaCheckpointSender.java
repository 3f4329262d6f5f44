package io.weightcast.app.load;

import io.weightcast.core.kafka.Topics;
import io.weightcast.ingest.CheckpointPublisher;
import java.util.concurrent.CompletableFuture;

/** Sends through the Java SDK ({@link CheckpointPublisher}): validation, splitting, idempotent acks=all producer. */
public final class KafkaCheckpointSender implements CheckpointSender {
    static final String CLIENT_ID = "weightcast-bench";
    private final CheckpointPublisher publisher;

    public KafkaCheckpointSender(String bootstrap, Topics topics) {
        this.publisher = CheckpointPublisher.builder(bootstrap).topics(topics).clientId(CLIENT_ID)
                .framework(SyntheticCheckpoints.FRAMEWORK).build();
    }

    @Override
    public CompletableFuture<?> send(String runId, long step, byte[] safetensors) {
        return publisher.publishCheckpoint(runId, step, SyntheticCheckpoints.PLANNED_STEPS, SyntheticCheckpoints.ACTIVATION,
                null, null, safetensors);
    }

    @Override
    public String via() {
        return "kafka";
    }

    @Override
    public void close() {
        publisher.close();
    }
}
