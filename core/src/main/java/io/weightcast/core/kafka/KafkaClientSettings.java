package io.weightcast.core.kafka;

import io.weightcast.core.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka client settings every client of the process gets (security above all): every setting under
 * {@code kafka.} except {@code kafka.bootstrap.servers}, prefix removed, e.g. {@code kafka.security.protocol}
 * (env {@code WEIGHTCAST_KAFKA_SECURITY_PROTOCOL}) → {@code security.protocol}. Applied to the producers,
 * consumers and admin clients {@link KafkaConfigs} builds and, by the services, to their Kafka Streams
 * properties (unprefixed, so Streams hands them to all its inner clients).
 *
 * <p>Common keys (Kafka's defaults): {@code kafka.security.protocol} (PLAINTEXT; PLAINTEXT, SSL,
 * SASL_PLAINTEXT, SASL_SSL), {@code kafka.ssl.truststore.location}, {@code kafka.ssl.truststore.password},
 * {@code kafka.ssl.truststore.type} (JKS; or PKCS12, PEM), {@code kafka.ssl.keystore.location},
 * {@code kafka.ssl.keystore.password}, {@code kafka.ssl.key.password} (the last three for mutual TLS),
 * {@code kafka.ssl.endpoint.identification.algorithm} (https), {@code kafka.sasl.mechanism} (GSSAPI; PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), {@code kafka.sasl.jaas.config}.
 *
 * <p>Checked at start, with the setting's name in the message: the protocol's value; {@code sasl.*} only with
 * a SASL protocol and {@code ssl.*} only with an SSL one (otherwise Kafka would silently ignore them); a known
 * SASL mechanism with a JAAS config; store files that exist; every key Kafka's producer, consumer or admin
 * config defines must parse to its type and pass Kafka's own validator. Keys Weightcast sets per client
 * ({@link #RESERVED}: ids and the delivery guarantees) are refused. Unknown keys are passed on with a warning
 * (a plugin may read them). {@link #toString()} masks secrets (passwords, JAAS configs, keys).
 *
 * <p>Process-wide: most clients are built from a bootstrap string deep inside the services, so each service
 * {@link #install installs} its settings when it starts and {@link KafkaConfigs} applies the installed ones.
 * Services sharing a JVM (local mode) share one {@link Settings}, so they install the same values.
 */
public final class KafkaClientSettings {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClientSettings.class);

    /** Set by Weightcast per client; overriding them would break the ids or the exactly-once guarantees. */
    public static final Set<String> RESERVED = Set.of("client.id", "group.id", "group.instance.id", "transactional.id",
            "application.id", "acks", "enable.idempotence", "isolation.level", "enable.auto.commit", "processing.guarantee");
    static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    static final List<String> MECHANISMS = List.of("GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
    private static final String BOOTSTRAP = "bootstrap.servers";
    private static final String PROTOCOL = "security.protocol";
    private static final String MECHANISM = "sasl.mechanism";
    private static final String JAAS = "sasl.jaas.config";
    private static final List<ConfigDef> CLIENT_DEFS =
            List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef());

    public static final KafkaClientSettings NONE = new KafkaClientSettings(Map.of());
    private static volatile KafkaClientSettings installed = NONE;

    private final Map<String, String> properties;

    private KafkaClientSettings(Map<String, String> properties) {
        this.properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /** The {@code kafka.*} settings (without the bootstrap servers), validated. */
    public static KafkaClientSettings from(Settings settings) {
        return of(settings.under("kafka"));
    }

    /** Kafka client properties as Kafka names them ({@code security.protocol}, ...), validated. */
    public static KafkaClientSettings of(Map<String, String> kafkaProperties) {
        Map<String, String> p = new LinkedHashMap<>(kafkaProperties);
        p.remove(BOOTSTRAP); // the caller passes the bootstrap servers to each client itself
        validate(p);
        return new KafkaClientSettings(p);
    }

    /** Makes these the settings {@link KafkaConfigs} applies to every client it builds from now on. */
    public static void install(KafkaClientSettings settings) {
        KafkaClientSettings previous = installed;
        // services sharing a JVM share their settings: a different set is worth a line (NONE is a deliberate reset)
        if (settings != NONE && !previous.properties.isEmpty() && !previous.properties.equals(settings.properties)) {
            LOG.warn("Kafka client settings replaced: {} → {}", previous, settings);
        }
        installed = settings;
    }

    /** The settings {@link KafkaConfigs} applies ({@link #NONE} until a service installs some). */
    public static KafkaClientSettings installed() {
        return installed;
    }

    public Map<String, String> properties() {
        return properties;
    }

    public boolean isEmpty() {
        return properties.isEmpty();
    }

    /** Puts these settings into {@code p} (over what is there) and returns it. */
    public Properties applyTo(Properties p) {
        p.putAll(properties);
        return p;
    }

    /** Whether a key's value must never be logged. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("credentials")
                || k.endsWith(".key") || k.contains("keystore.key") || k.contains("token");
    }

    /** The settings with secrets masked, safe for logs. */
    @Override
    public String toString() {
        Map<String, String> masked = new TreeMap<>();
        properties.forEach((k, v) -> masked.put(k, isSecret(k) ? "[hidden]" : v));
        return masked.toString();
    }

    private static void validate(Map<String, String> p) {
        for (String key : p.keySet()) {
            if (RESERVED.contains(key)) {
                throw invalid(key, "is set by Weightcast for each client and cannot be overridden");
            }
        }
        String protocol = p.getOrDefault(PROTOCOL, "PLAINTEXT").strip().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw invalid(PROTOCOL, "must be one of " + String.join(", ", PROTOCOLS) + ", was '" + p.get(PROTOCOL) + "'");
        }
        if (p.containsKey(PROTOCOL)) {
            p.put(PROTOCOL, protocol);
        }
        boolean sasl = protocol.startsWith("SASL_");
        boolean ssl = protocol.endsWith("SSL");
        for (String key : p.keySet()) {
            if (key.startsWith("sasl.") && !sasl) {
                throw invalid(key, "takes effect only with kafka.security.protocol SASL_PLAINTEXT or SASL_SSL, which is " + protocol);
            }
            if (key.startsWith("ssl.") && !ssl) {
                throw invalid(key, "takes effect only with kafka.security.protocol SSL or SASL_SSL, which is " + protocol);
            }
        }
        if (sasl) {
            validateSasl(p);
        }
        for (String key : List.of("ssl.truststore.location", "ssl.keystore.location")) {
            String location = p.get(key);
            if (location != null && !Files.isReadable(Path.of(location))) {
                throw invalid(key, "names '" + location + "', which does not exist or is not readable");
            }
        }
        validateTypes(p);
    }

    private static void validateSasl(Map<String, String> p) {
        String mechanism = p.getOrDefault(MECHANISM, "GSSAPI").strip();
        boolean customHandler = p.containsKey("sasl.client.callback.handler.class") || p.containsKey("sasl.login.class");
        if (!MECHANISMS.contains(mechanism) && !customHandler) {
            throw invalid(MECHANISM, "must be one of " + String.join(", ", MECHANISMS) + " (or set kafka.sasl.client.callback.handler.class"
                    + " for a custom one), was '" + mechanism + "'");
        }
        // Without a JAAS config the client looks for a JAAS file (-Djava.security.auth.login.config); else it fails late.
        if (!p.containsKey(JAAS) && System.getProperty("java.security.auth.login.config") == null) {
            throw invalid(JAAS, "is required with SASL mechanism " + mechanism + ", e.g. for SCRAM: "
                    + "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"...\" password=\"...\";");
        }
    }

    /** Every key one of Kafka's client configs defines must parse to its type and pass Kafka's validator. */
    private static void validateTypes(Map<String, String> p) {
        for (Map.Entry<String, String> e : p.entrySet()) {
            ConfigDef.ConfigKey definition = definition(e.getKey());
            if (definition == null) {
                LOG.warn("setting 'kafka.{}' is not a Kafka producer, consumer or admin config; passed on as is", e.getKey());
                continue;
            }
            try {
                Object value = ConfigDef.parseType(e.getKey(), e.getValue(), definition.type);
                if (definition.validator != null) {
                    definition.validator.ensureValid(e.getKey(), value);
                }
            } catch (ConfigException ex) {
                // Kafka's message quotes the value: keep it out of the exception for secrets
                throw invalid(e.getKey(), isSecret(e.getKey()) ? "is invalid" : "is invalid: " + ex.getMessage());
            }
        }
    }

    private static ConfigDef.ConfigKey definition(String key) {
        for (ConfigDef def : CLIENT_DEFS) {
            ConfigDef.ConfigKey k = def.configKeys().get(key);
            if (k != null) {
                return k;
            }
        }
        return null;
    }

    private static IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException("setting 'kafka." + key + "' (env WEIGHTCAST_KAFKA_"
                + key.toUpperCase(Locale.ROOT).replace('.', '_') + ") " + problem);
    }
}
