package io.weightcast.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientSettingsTest {
    private static final String SCRAM_JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"s3cr3t-pw\";";

    @TempDir
    Path dir;

    @AfterEach
    void uninstall() {
        KafkaClientSettings.install(KafkaClientSettings.NONE);
    }

    private static Settings fromEnv(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS", "broker:9093");
        return Settings.load(Map.of(), null, all, Map.of());
    }

    @Test
    void environmentSecurityProtocolReachesEveryClientKind() {
        KafkaClientSettings s = KafkaClientSettings.from(fromEnv(Map.of("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "ssl")));
        assertThat(s.properties()).containsExactly(Map.entry("security.protocol", "SSL")); // normalised, no bootstrap
        KafkaClientSettings.install(s);

        assertThat(KafkaConfigs.producer("broker:9093", "p").getProperty("security.protocol")).isEqualTo("SSL");
        assertThat(KafkaConfigs.consumer("broker:9093", "g").getProperty("security.protocol")).isEqualTo("SSL");
        assertThat(KafkaConfigs.admin("broker:9093").getProperty("security.protocol")).isEqualTo("SSL");
        // the caller's bootstrap and Weightcast's guarantees stay
        Properties producer = KafkaConfigs.producer("other:9092", "p");
        assertThat(producer.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("other:9092");
        assertThat(producer.get(ProducerConfig.ACKS_CONFIG)).isEqualTo("all");
    }

    @Test
    void nothingInstalledLeavesTheClientsAsBefore() {
        assertThat(KafkaClientSettings.installed()).isSameAs(KafkaClientSettings.NONE);
        assertThat(KafkaConfigs.consumer("b:1", null).stringPropertyNames()).doesNotContain("security.protocol");
        assertThat(KafkaClientSettings.from(fromEnv(Map.of())).isEmpty()).isTrue();
    }

    @Test
    void saslSslWithScramParsesAndKafkaAcceptsIt() throws Exception {
        Path truststore = Files.write(dir.resolve("truststore.p12"), new byte[] {1});
        Settings settings = fromEnv(Map.of(
                "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "WEIGHTCAST_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG", SCRAM_JAAS,
                "WEIGHTCAST_KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString(),
                "WEIGHTCAST_KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw",
                "WEIGHTCAST_KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12"));
        KafkaClientSettings s = KafkaClientSettings.from(settings);
        assertThat(s.properties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", SCRAM_JAAS).containsEntry("ssl.truststore.location", truststore.toString())
                .containsEntry("ssl.truststore.type", "PKCS12").doesNotContainKey("bootstrap.servers");
        KafkaClientSettings.install(s);

        // Kafka's own config classes parse what we produce (no connection is made)
        Properties pp = KafkaConfigs.producer("broker:9093", "p");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        ProducerConfig producer = new ProducerConfig(pp);
        assertThat(producer.getString("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(producer.getString("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(producer.getPassword("sasl.jaas.config").value()).isEqualTo(SCRAM_JAAS);

        Properties cp = KafkaConfigs.consumer("broker:9093", "g");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        ConsumerConfig consumer = new ConsumerConfig(cp);
        assertThat(consumer.getString("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(consumer.getPassword("ssl.truststore.password")).isEqualTo(new Password("trust-pw"));
        assertThat(consumer.getString("isolation.level")).isEqualTo("read_committed");

        AdminClientConfig admin = new AdminClientConfig(KafkaConfigs.admin("broker:9093"));
        assertThat(admin.getString("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(admin.getString("ssl.truststore.location")).isEqualTo(truststore.toString());
    }

    @Test
    void toStringMasksEverySecret() {
        KafkaClientSettings s = KafkaClientSettings.of(Map.of(
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";",
                "request.timeout.ms", "20000"));
        String text = s.toString();
        assertThat(text).doesNotContain("hunter2").contains("sasl.jaas.config=[hidden]").contains("security.protocol=SASL_PLAINTEXT")
                .contains("request.timeout.ms=20000");
        assertThat(KafkaClientSettings.isSecret("ssl.truststore.password")).isTrue();
        assertThat(KafkaClientSettings.isSecret("ssl.keystore.password")).isTrue();
        assertThat(KafkaClientSettings.isSecret("ssl.key.password")).isTrue();
        assertThat(KafkaClientSettings.isSecret("ssl.keystore.key")).isTrue();
        assertThat(KafkaClientSettings.isSecret("ssl.truststore.location")).isFalse();
    }

    @Test
    void unknownProtocolIsAClearError() {
        assertThatThrownBy(() -> KafkaClientSettings.from(fromEnv(Map.of("WEIGHTCAST_KAFKA_SECURITY_PROTOCOL", "TLS"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting 'kafka.security.protocol' (env WEIGHTCAST_KAFKA_SECURITY_PROTOCOL) must be one of"
                        + " PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, was 'TLS'");
    }

    @Test
    void saslOrSslKeysWithAProtocolThatIgnoresThemAreRefused() {
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("sasl.mechanism", "PLAIN")))
                .hasMessageContaining("'kafka.sasl.mechanism'").hasMessageContaining("SASL_PLAINTEXT or SASL_SSL, which is PLAINTEXT");
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "x required;", "ssl.truststore.password", "pw")))
                .hasMessageContaining("'kafka.ssl.truststore.password'").hasMessageContaining("SSL or SASL_SSL");
    }

    @Test
    void saslNeedsAKnownMechanismAndAJaasConfig() {
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA256",
                "sasl.jaas.config", SCRAM_JAAS)))
                .hasMessageContaining("'kafka.sasl.mechanism'").hasMessageContaining("was 'SCRAM-SHA256'");
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256")))
                .hasMessageContaining("'kafka.sasl.jaas.config' (env WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG) is required");
    }

    @Test
    void missingStoreFileIsNamed() {
        Path missing = dir.resolve("nope.jks");
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("security.protocol", "SSL", "ssl.truststore.location", missing.toString())))
                .hasMessageContaining("'kafka.ssl.truststore.location'").hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void reservedKeysAreRefused() {
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("acks", "1")))
                .hasMessage("setting 'kafka.acks' (env WEIGHTCAST_KAFKA_ACKS) is set by Weightcast for each client and cannot be overridden");
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("group.id", "shared"))).hasMessageContaining("'kafka.group.id'");
    }

    @Test
    void valuesAreCheckedAgainstKafkasOwnDefinitions() {
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("request.timeout.ms", "soon")))
                .hasMessageContaining("'kafka.request.timeout.ms'").hasMessageContaining("is invalid");
        assertThatThrownBy(() -> KafkaClientSettings.of(Map.of("compression.type", "zip")))
                .hasMessageContaining("'kafka.compression.type'");
        // an unknown key (a plugin's) is passed on
        assertThat(KafkaClientSettings.of(Map.of("my.plugin.option", "1")).properties()).containsEntry("my.plugin.option", "1");
    }
}
