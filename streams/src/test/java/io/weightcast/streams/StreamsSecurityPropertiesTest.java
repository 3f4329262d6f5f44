package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streams service's Kafka Streams properties carry the kafka.* security settings, and Kafka accepts them. */
class StreamsSecurityPropertiesTest {
    private static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"pw\";";

    @TempDir
    Path dir;

    private Settings settings(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", "broker:9093");
        e.put("WEIGHTCAST_STREAMS_STATE_DIR", dir.toString());
        return Settings.load(Map.of(), null, e, Map.of());
    }

    @Test
    void securitySettingsReachEveryInnerClientOfTheStreamsApp() {
        FeatureService service = new FeatureService(settings(Map.of("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "sasl_plaintext",
                "WEIGHTCAST_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256", "WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG", JAAS,
                "WEIGHTCAST_STREAMS_KAFKA_COMMIT_INTERVAL_MS", "250")));
        StreamsConfig config = new StreamsConfig(service.properties()); // parses and validates, connects nowhere
        assertThat(config.getString(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("weightcast.streams");
        assertThat(config.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(250L);
        for (Map<String, Object> client : java.util.List.of(config.getMainConsumerConfigs("g", "c", 0), config.getProducerConfigs("c"),
                config.getAdminConfigs("c"), config.getRestoreConsumerConfigs("c"), config.getGlobalConsumerConfigs("c"))) {
            assertThat(client).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                    .containsEntry("sasl.jaas.config", JAAS).containsEntry("bootstrap.servers", "broker:9093");
        }
        assertThat(new StreamsConfig(service.spectraProperties()).getAdminConfigs("c")).containsEntry("security.protocol", "SASL_PLAINTEXT");
    }

    /** A big checkpoint by reference takes longer than Streams' 10 s exactly-once transaction timeout to process. */
    @Test
    void bothAppsGiveATransactionAMinuteUnlessOverridden() {
        FeatureService service = new FeatureService(settings(Map.of()));
        assertThat(new StreamsConfig(service.properties()).getProducerConfigs("c")).containsEntry("transaction.timeout.ms", 60_000);
        assertThat(new StreamsConfig(service.spectraProperties()).getProducerConfigs("c")).containsEntry("transaction.timeout.ms", 60_000);
        FeatureService longer = new FeatureService(settings(Map.of("WEIGHTCAST_STREAMS_KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS", "600000")));
        assertThat(new StreamsConfig(longer.properties()).getProducerConfigs("c")).containsEntry("transaction.timeout.ms", "600000");
    }

    @Test
    void anUnknownProtocolFailsTheServiceWithTheSettingsName() {
        FeatureService service = new FeatureService(settings(Map.of("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "TLS")));
        assertThatThrownBy(service::properties).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.security.protocol").hasMessageContaining("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL")
                .hasMessageContaining("was 'TLS'");
    }
}
