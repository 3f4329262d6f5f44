package io.weightcast.streams;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.service.OpsServer;
import io.weightcast.core.service.Service;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams service: a Kafka Streams application (exactly-once v2) computing every checkpoint's
 * feature vector.
 *
 * <p>Settings (defaults): {@code kafka.bootstrap.servers} (required), {@code topic.prefix}
 * ({@code weightcast.}), {@code topics.partitions} (4), {@code streams.application.id}
 * ({@code <prefix>streams}), {@code streams.threads} (1), {@code streams.state.dir}
 * ({@code <data.dir>/streams-state}, or a temp dir), {@code streams.host} (127.0.0.1),
 * {@code streams.port} (8082; 0 = free) for /metrics, /health, /ready. Any {@code streams.kafka.*}
 * key is passed to Kafka Streams as is.
 */
public final class FeatureService implements Service {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureService.class);

    private final Settings settings;
    private final StreamsMetrics metrics = new StreamsMetrics();
    private KafkaStreams streams;
    private OpsServer ops;

    public FeatureService(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "streams";
    }

    @Override
    public void start() {
        TopicSetup.ensure(settings.bootstrap(), settings.topics(), settings.getInt("topics.partitions", 4), (short) 1);
        streams = new KafkaStreams(FeatureTopology.build(settings.topics(), metrics), properties());
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        ops = OpsServer.start(settings.get("streams.host", "127.0.0.1"), settings.getInt("streams.port", 8082),
                metrics.registry(), this::ready);
        LOG.info("streams service started: {} → {}, ops on port {}", settings.topics().checkpoints(),
                settings.topics().features(), ops.port());
    }

    Properties properties() {
        Properties p = new Properties();
        String prefix = settings.topics().prefix();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.get("streams.application.id", prefix + "streams"));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.getInt("streams.threads", 1));
        java.nio.file.Path stateDir = settings.stateDir("streams");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                settings.instanceId("streams", stateDir));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"), KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024);
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(KafkaConfigs.MAX_RECORD_BYTES * 2));
        p.putAll(settings.under("streams.kafka"));
        return p;
    }


    @Override
    public boolean ready() {
        return streams != null && streams.state() == KafkaStreams.State.RUNNING;
    }

    public int port() {
        return ops.port();
    }

    public StreamsMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (streams != null) {
            // Leave the group on close: a restarted instance (local mode, a redeploy) then gets its
            // partitions at once instead of after the old member's session timeout (45 s).
            streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            streams = null;
        }
        if (ops != null) {
            ops.close();
            ops = null;
        }
    }
}
