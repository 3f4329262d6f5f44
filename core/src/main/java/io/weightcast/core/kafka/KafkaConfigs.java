package io.weightcast.core.kafka;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Client settings every service shares: idempotent acks=all producers, read_committed consumers. Each
 * also gets the process's {@link KafkaClientSettings#installed() installed} {@code kafka.*} settings
 * (security: TLS, SASL), which each service installs from its {@code Settings} when it starts.
 */
public final class KafkaConfigs {
    /** Largest record our producers send (and our topics accept); checkpoints above it are split. */
    public static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;

    private KafkaConfigs() {
    }

    public static Properties producer(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES + 64 * 1024);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A zoo checkpoint is ~20 KB, above the default 16 KB batch: batch several per request.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return KafkaClientSettings.installed().applyTo(p);
    }

    public static Properties consumer(String bootstrap, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_RECORD_BYTES + 64 * 1024);
        return KafkaClientSettings.installed().applyTo(p);
    }

    public static Properties admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return KafkaClientSettings.installed().applyTo(p);
    }

    /** Topic configs of the contract: compaction for models, large-enough messages for checkpoints. */
    public static Map<String, String> topicConfig(Topics topics, String topic) {
        if (topics.compacted(topic)) {
            return Map.of("cleanup.policy", "compact", "max.message.bytes", Integer.toString(MAX_RECORD_BYTES + 64 * 1024));
        }
        return Map.of("max.message.bytes", Integer.toString(MAX_RECORD_BYTES + 64 * 1024));
    }
}
