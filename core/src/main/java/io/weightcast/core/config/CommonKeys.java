package io.weightcast.core.config;

import io.weightcast.core.kafka.Topics;

/** The settings every service reads: where Kafka is, topic names, where state lives. */
public final class CommonKeys {
    public static final Key<String> BOOTSTRAP_SERVERS = Key.text("kafka.bootstrap.servers", null,
            "Kafka brokers, host:port[,host:port...]; required except in local mode, which starts its own broker");
    public static final Key<String> TOPIC_PREFIX = Key.text("topic.prefix", Topics.DEFAULT_PREFIX,
            "prefix of every topic name (e.g. `weightcast.checkpoints`)");
    public static final Key<Integer> TOPICS_PARTITIONS = Key.integer("topics.partitions", 4,
            "partitions of the topics Weightcast creates when they are missing").rule("≥ 1", n -> n >= 1);
    public static final Key<String> DATA_DIR = Key.text("data.dir", null,
            "state stores and logs; local mode: `./data`. Unset: each service's state goes to a new temp dir (lost at restart)");
    public static final Key<String> MODELS_SIGNING_KEY_FILE = Key.text("models.signing.key.file", null,
            "file holding the secret the trainer signs `models` and `encoders` records with (HMAC-SHA256) and the scorer, "
                    + "streams and trainer verify them with: a record without a valid signature is dead-lettered, never loaded. "
                    + "Local mode creates `<data.dir>/models-signing.key`. Unset: records are not verified (a warning at start)");

    /** {@code <service>.state.dir}: a service's own state directory (see {@link Settings#stateDir}). */
    public static final String STATE_DIR_SUFFIX = ".state.dir";
    /** {@code <service>.instance.id}: a service's static consumer-group member id (see {@link Settings#instanceId}). */
    public static final String INSTANCE_ID_SUFFIX = ".instance.id";

    public static final KeyGroup GROUP = KeyGroup.of("common", "Read by every service.",
                    BOOTSTRAP_SERVERS, TOPIC_PREFIX, TOPICS_PARTITIONS, DATA_DIR, MODELS_SIGNING_KEY_FILE)
            .withFamily("kafka.<client setting>", "passed to every Kafka producer, consumer, admin and Streams client, e.g. "
                    + "`kafka.security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), `kafka.ssl.truststore.location`, "
                    + "`kafka.sasl.mechanism`, `kafka.sasl.jaas.config`; checked against Kafka's own definitions at start; "
                    + "ids, acks, idempotence, isolation level and auto-commit cannot be overridden; secrets are never logged")
            .withFamily("<service>" + STATE_DIR_SUFFIX, "a service's state directory (streams, scorer); default "
                    + "`<data.dir>/<service>-state`")
            .withFamily("<service>" + INSTANCE_ID_SUFFIX, "a Streams app's static group member id (streams, streams-spectra, "
                    + "scorer); default host name + a hash of its state dir, so a restart takes its partitions back at once");

    private CommonKeys() {
    }
}
