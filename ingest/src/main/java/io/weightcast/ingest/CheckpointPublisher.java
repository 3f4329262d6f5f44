package io.weightcast.ingest;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import io.weightcast.store.ClaimChecks;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Java producer SDK for JVM training loops and our own tools: publishes checkpoints and run events
 * straight to Kafka (no HTTP hop) with the gateway's validation and splitting, through an
 * idempotent acks=all producer. Each call returns a future that completes when the broker acked
 * every record ({@code .join()} to block). Invalid input throws {@link IngestRejection} at once. With
 * {@link Builder#claimChecks} a checkpoint above the threshold goes to the shared store and Kafka carries its reference.
 * {@code send} may block the caller while the producer waits for metadata or buffer space.
 *
 * <pre>{@code
 * try (CheckpointPublisher pub = CheckpointPublisher.builder("127.0.0.1:9092").framework("dl4j").build()) {
 *     pub.publishEvent(RunEvent.started(run, "study", hparams, 18)).join();
 *     pub.publishCheckpoint(run, epoch, 18, "relu", "study", Map.of("val_acc", 0.9),
 *             TensorSet.create().add("fc.weight", new long[] {10, 64}, w).add("fc.bias", new long[] {10}, b)).join();
 * }
 * }</pre>
 */
public final class CheckpointPublisher implements AutoCloseable {
    private final Producer<String, byte[]> producer;
    private final AckedSender sender;
    private final Topics topics;
    private final String framework;
    private final CheckpointValidator validator;
    private final ClaimChecks claims;

    private CheckpointPublisher(Builder b) {
        Properties props = KafkaConfigs.producer(b.bootstrap, b.clientId);
        props.putAll(b.overrides);
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.sender = new AckedSender(producer);
        this.topics = b.topics;
        this.framework = b.framework;
        this.claims = b.claims;
        this.validator = new CheckpointValidator(Integer.MAX_VALUE - 64, b.maxRecordBytes, HeaderLimits.NONE, claims::claims);
    }

    public static Builder builder(String bootstrap) {
        return new Builder(bootstrap);
    }

    /** Tensors given as float arrays with their shapes (the map's iteration order is the tensor order). */
    public CompletableFuture<CheckpointReceipt> publishCheckpoint(String runId, long step, Integer plannedSteps,
            String activation, String study, Map<String, Double> metrics,
            Map<String, float[]> tensors, Map<String, long[]> shapes) {
        return publishCheckpoint(runId, step, plannedSteps, activation, study, metrics, TensorSet.of(tensors, shapes));
    }

    public CompletableFuture<CheckpointReceipt> publishCheckpoint(String runId, long step, Integer plannedSteps,
            String activation, String study, Map<String, Double> metrics, TensorSet tensors) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("run_id", runId);
        MetadataDefaults defaults = defaults(step, plannedSteps, activation, study, metrics);
        byte[] file = tensors.toSafeTensors(defaults.applyTo(runId, meta));
        return publish(runId, file, MetadataDefaults.NONE);
    }

    /**
     * A ready safetensors file; the arguments fill metadata the file lacks (its own entries win,
     * a different step is refused), exactly as the HTTP gateway does with query parameters.
     */
    public CompletableFuture<CheckpointReceipt> publishCheckpoint(String runId, long step, Integer plannedSteps,
            String activation, String study, Map<String, Double> metrics, byte[] safetensors) {
        return publish(runId, safetensors, defaults(step, plannedSteps, activation, study, metrics));
    }

    public CompletableFuture<RecordMetadata> publishEvent(RunEvent event) {
        if (event.runId() == null || event.runId().isBlank()) {
            throw new IngestRejection(RejectReason.INVALID_EVENT, "run event has no run_id");
        }
        try {
            event.validate();
        } catch (MalformedRecordException e) {
            throw new IngestRejection(RejectReason.INVALID_EVENT, e.getMessage());
        }
        return sender.sendAll(topics.runs(), event.runId(), List.of(Json.bytes(event)))
                .thenApply(acks -> acks.get(0));
    }

    /** Waits until every record sent so far is acked (or failed). */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        claims.close();
    }

    private CompletableFuture<CheckpointReceipt> publish(String runId, byte[] file, MetadataDefaults defaults) {
        ValidCheckpoint valid = validator.validate(runId, file, defaults).stored(claims); // writes a big one to the store
        return sender.sendAll(topics.checkpoints(), runId, valid.parts()).thenApply(acks -> valid.receipt());
    }

    private MetadataDefaults defaults(long step, Integer plannedSteps, String activation, String study,
                                      Map<String, Double> metrics) {
        String metricsJson = metrics == null || metrics.isEmpty() ? null : Json.string(metrics);
        return new MetadataDefaults(step, plannedSteps, activation, study, framework, metricsJson);
    }

    /** Options; only the bootstrap servers are required. */
    public static final class Builder {
        private final String bootstrap;
        private Topics topics = Topics.defaults();
        private String clientId = "weightcast-sdk";
        private String framework = "java";
        private int maxRecordBytes = KafkaConfigs.MAX_RECORD_BYTES;
        private ClaimChecks claims = ClaimChecks.none();
        private final Properties overrides = new Properties();

        private Builder(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        public Builder topics(Topics topics) {
            this.topics = topics;
            return this;
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** The {@code framework} metadata of checkpoints built from tensors (default "java"). */
        public Builder framework(String framework) {
            this.framework = framework;
            return this;
        }

        /** Checkpoints above this many bytes are split (default and maximum {@link KafkaConfigs#MAX_RECORD_BYTES}). */
        public Builder maxRecordBytes(int maxRecordBytes) {
            if (maxRecordBytes < 4096 || maxRecordBytes > KafkaConfigs.MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("maxRecordBytes must be in [4096, " + KafkaConfigs.MAX_RECORD_BYTES + "]");
            }
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        /**
         * The claim check (design §10): checkpoints above its threshold are written to its store, on the calling thread, and
         * Kafka gets their reference; e.g. {@code ClaimChecks.from(settings)} with {@code store.uri}. The publisher closes it.
         */
        public Builder claimChecks(ClaimChecks checks) {
            this.claims = checks;
            return this;
        }

        /** A Kafka producer setting (e.g. security); acks and idempotence are best left as they are. */
        public Builder producerProperty(String key, Object value) {
            overrides.put(key, value);
            return this;
        }

        public CheckpointPublisher build() {
            return new CheckpointPublisher(this);
        }
    }
}
