package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer's Kafka Streams properties carry the kafka.* security settings, and Kafka accepts them. */
class ScorerSecurityPropertiesTest {
    @TempDir
    Path dir;

    @Test
    void securitySettingsReachEveryInnerClientAndScorerKafkaKeysStillWin() {
        Settings settings = Settings.load(Map.of(), null, Map.of(
                "WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "WEIGHTCAST_KAFKA_SASL_MECHANISM", "PLAIN",
                "WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
                "WEIGHTCAST_KAFKA_REQUEST_TIMEOUT_MS", "20000",
                "WEIGHTCAST_SCORER_STATE_DIR", dir.toString(),
                "WEIGHTCAST_SCORER_TOKENS", "read-token"),
                Map.of("scorer.kafka.request.timeout.ms", "15000"));
        StreamsConfig config = new StreamsConfig(new ScorerService(settings).streamsProperties());
        assertThat(config.getString(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("weightcast.scorer");
        for (Map<String, Object> client : List.of(config.getMainConsumerConfigs("g", "c", 0), config.getProducerConfigs("c"),
                config.getAdminConfigs("c"), config.getGlobalConsumerConfigs("c"))) {
            assertThat(client).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "PLAIN")
                    .containsEntry("request.timeout.ms", "15000");
        }
    }
}
