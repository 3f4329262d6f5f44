package io.weightcast.core.kafka;

import io.weightcast.core.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams configuration every Weightcast Streams app shares, so the services cannot drift apart:
 * exactly-once v2; a state dir and a static-membership instance id that survive a restart (the restarted
 * member takes its partitions back at once instead of after the old one's session timeout); room for the
 * largest records; an exception no processor handled dead-lettered, not retried for ever
 * ({@link DeadLetterProcessingHandler}); then the app's own configs, the shared {@code kafka.*} client settings (security) and
 * last the service's {@code <service>.kafka.*} overrides, so an operator can override anything.
 *
 * @param service       settings prefix and state-dir name: {@code <service>.state.dir}, {@code <service>.kafka.*}
 * @param applicationId the Streams application id (also its consumer group)
 * @param instance      the name its static-membership instance id starts with ({@link Settings#instanceId})
 * @param threads       stream threads
 * @param extra         the app's own configs
 */
public record StreamsAppConfig(String service, String applicationId, String instance, int threads, Map<String, Object> extra) {
    /** Fetch and request size that fit the largest record plus its batch overhead. */
    private static final int MAX_REQUEST_BYTES = KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024;

    public StreamsAppConfig {
        extra = Map.copyOf(extra);
    }

    /** An app whose instance id is named after its service, without configs of its own. */
    public static StreamsAppConfig of(String service, String applicationId, int threads) {
        return new StreamsAppConfig(service, applicationId, service, threads, Map.of());
    }

    /** A second app of one service (own group, same state dir) needs its own instance name. */
    public StreamsAppConfig instance(String name) {
        return new StreamsAppConfig(service, applicationId, name, threads, extra);
    }

    /** This config with one more of the app's own Kafka Streams configs. */
    public StreamsAppConfig with(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extra);
        more.put(key, value);
        return new StreamsAppConfig(service, applicationId, instance, threads, more);
    }

    /** The properties to start the app with; creates the state dir if missing. */
    public Properties properties(Settings settings) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        Path stateDir = settings.stateDir(service);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), settings.instanceId(instance, stateDir));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), MAX_REQUEST_BYTES);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), MAX_REQUEST_BYTES);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        p.put(DeadLetterProcessingHandler.TOPIC_CONFIG, settings.topics().deadLetters());
        p.put(DeadLetterProcessingHandler.SERVICE_CONFIG, instance);
        p.putAll(extra);
        KafkaClientSettings.from(settings).applyTo(p); // unprefixed: Streams gives them to all its clients
        p.putAll(settings.under(service + ".kafka"));
        return p;
    }
}
