package io.weightcast.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every Streams app gets the shared base; its own configs and then the service's overrides come on top. */
class StreamsAppConfigTest {
    @TempDir
    Path dir;

    @Test
    void sharedBaseThenOwnConfigsThenOverrides() {
        Settings settings = Settings.load(Map.of(), null, Map.of("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "WEIGHTCAST_SVC_STATE_DIR", dir.toString(), "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "SSL",
                "WEIGHTCAST_SVC_KAFKA_PRODUCER_COMPRESSION_TYPE", "zstd", "WEIGHTCAST_SVC_INSTANCE_ID", "svc-1"), Map.of());
        Properties p = StreamsAppConfig.of("svc", "app", 2)
                .with(StreamsConfig.producerPrefix("compression.type"), "lz4")
                .with(StreamsConfig.topicPrefix("max.message.bytes"), "1")
                .properties(settings);
        assertThat(p).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "app")
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2)
                .containsEntry(StreamsConfig.STATE_DIR_CONFIG, dir.toString())
                .containsEntry("consumer.group.instance.id", "svc-1")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("topic.max.message.bytes", "1")
                .containsEntry("producer.compression.type", "zstd"); // the operator's override wins
        new StreamsConfig(p); // Kafka accepts them
    }

    @Test
    void aSecondAppOfAServiceHasItsOwnInstanceId() {
        Settings settings = Settings.load(Map.of(), null, Map.of("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "WEIGHTCAST_SVC_STATE_DIR", dir.toString()), Map.of());
        Object first = StreamsAppConfig.of("svc", "a", 1).properties(settings).get("consumer.group.instance.id");
        Object second = StreamsAppConfig.of("svc", "b", 1).instance("svc-second").properties(settings).get("consumer.group.instance.id");
        assertThat(first.toString()).startsWith("svc-");
        assertThat(second.toString()).startsWith("svc-second-");
    }
}
