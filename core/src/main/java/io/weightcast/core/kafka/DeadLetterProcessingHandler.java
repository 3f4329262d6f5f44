package io.weightcast.core.kafka;

import io.weightcast.core.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' {@code processing.exception.handler} for every Weightcast Streams app ({@link StreamsAppConfig}): an
 * exception a processor did not handle itself becomes a dead letter (the source record's raw key and value, where it
 * came from and why) and the app goes on with the next record, instead of the stream thread dying and the task
 * retrying the same record for ever. The dead letter is acknowledged (acks=all) before the handler returns, so the
 * source offset is committed only once the record is safe; if it cannot be written, the handler fails the task and
 * nothing is lost. Written by a producer of its own, outside the task's transaction: a task that aborts after it may
 * write the same dead letter again on retry (at least once).
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    /** The dead-letter topic (config key). */
    public static final String TOPIC_CONFIG = "weightcast.dead.letters.topic";
    /** The {@code service} field of the dead letters (config key). */
    public static final String SERVICE_CONFIG = "weightcast.dead.letters.service";
    /** Optional {@code Consumer<String>} told each dead letter's reason (config key; a metric, typically). */
    public static final String LISTENER_CONFIG = "weightcast.dead.letters.listener";
    /** How long a dead letter may take to be acknowledged before the task fails instead. */
    static final long SEND_TIMEOUT_S = 30;
    private static final Map<String, KafkaProducer<String, byte[]>> PRODUCERS = new ConcurrentHashMap<>();

    private String topic;
    private String service;
    private Consumer<String> listener = reason -> { };
    private String bootstrap;
    private String clientId;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        topic = String.valueOf(require(configs, TOPIC_CONFIG));
        service = String.valueOf(require(configs, SERVICE_CONFIG));
        bootstrap = String.valueOf(require(configs, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        clientId = configs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-processing-dead-letters";
        if (configs.get(LISTENER_CONFIG) instanceof Consumer<?> l) {
            listener = (Consumer<String>) l;
        }
    }

    private static Object require(Map<String, ?> configs, String key) {
        Object v = configs.get(key);
        if (v == null) {
            throw new IllegalArgumentException(DeadLetterProcessingHandler.class.getSimpleName() + " needs '" + key + "'");
        }
        return v;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = "unhandled in processor " + context.processorNodeId() + ": " + exception.getClass().getSimpleName() + ": "
                + exception.getMessage();
        byte[] value = context.sourceRawValue();
        String key = context.sourceRawKey() == null ? null : new String(context.sourceRawKey(), StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of(service, context.topic(), context.partition(), context.offset(), key, value, reason);
        try {
            producer().send(new ProducerRecord<>(topic, key, JsonSerde.of(DeadLetter.class).serializer().serialize(topic, letter)))
                    .get(SEND_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("could not dead-letter a record of {}-{}@{} ({}); failing the task so it is not lost", context.topic(),
                    context.partition(), context.offset(), reason, e);
            return ProcessingHandlerResponse.FAIL;
        }
        LOG.warn("dead-lettered a record of {}-{}@{}: {}", context.topic(), context.partition(), context.offset(), reason, exception);
        listener.accept(reason);
        return ProcessingHandlerResponse.CONTINUE;
    }

    /**
     * One producer per app and broker, made at the first dead letter: Kafka Streams gives the handler no close hook,
     * so a producer per handler instance would leak one per stream thread.
     */
    private KafkaProducer<String, byte[]> producer() {
        return PRODUCERS.computeIfAbsent(clientId + "@" + bootstrap,
                k -> new KafkaProducer<>(KafkaConfigs.producer(bootstrap, clientId), new StringSerializer(), new ByteArraySerializer()));
    }
}
