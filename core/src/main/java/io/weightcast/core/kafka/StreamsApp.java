package io.weightcast.core.kafka;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started Kafka Streams app with the lifecycle every service wants: a failed stream thread is
 * replaced (one poisonous record must not stop the service; processors dead-letter what they can),
 * and closing leaves the group, so a restarted instance (local mode, a redeploy) gets its partitions
 * at once instead of after the old member's session timeout.
 */
public final class StreamsApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final KafkaStreams streams;

    private StreamsApp(String name, KafkaStreams streams) {
        this.name = name;
        this.streams = streams;
    }

    /** @param name for the logs, e.g. the application id */
    public static StreamsApp start(String name, Topology topology, Properties properties) {
        KafkaStreams streams = new KafkaStreams(topology, properties);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("{}: stream thread failed; replacing it", name, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return new StreamsApp(name, streams);
    }

    /** Processing: not starting, rebalancing, failed or closed. */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    @Override
    public void close() {
        streams.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true));
    }

    @Override
    public String toString() {
        return name;
    }
}
