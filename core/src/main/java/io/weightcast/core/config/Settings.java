package io.weightcast.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Layered configuration: documented defaults &lt; properties file &lt; environment variables
 * ({@code WEIGHTCAST_INGEST_PORT} → {@code ingest.port}) &lt; command-line flags. Keys are dotted
 * lower case; every service reads its keys through one instance.
 */
public final class Settings {
    public static final String BOOTSTRAP = CommonKeys.BOOTSTRAP_SERVERS.name();
    public static final String TOPIC_PREFIX = CommonKeys.TOPIC_PREFIX.name();

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    /** Defaults, then {@code file} (may be null), then the environment, then {@code overrides}. */
    public static Settings load(Map<String, String> defaults, Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(defaults);
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
            }
            p.stringPropertyNames().forEach(k -> v.put(k, p.getProperty(k)));
        }
        env.forEach((k, value) -> {
            if (k.startsWith("WEIGHTCAST_")) {
                v.put(k.substring("WEIGHTCAST_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        v.putAll(overrides);
        return new Settings(v);
    }

    public Settings with(String key, String value) {
        Map<String, String> v = new LinkedHashMap<>(values);
        v.put(key, value);
        return new Settings(v);
    }

    /** The key's value: parsed and checked, its default when unset (null for an optional key without one). */
    public <T> T get(Key<T> key) {
        return key.value(values.get(key.name()));
    }

    /** The key's value, refusing an unset key that has no default. */
    public <T> T require(Key<T> key) {
        T v = get(key);
        if (v == null || v instanceof String text && text.isBlank()) {
            throw new InvalidSettingException("missing setting '" + key.name() + "' (env " + key.envVar() + ")");
        }
        return v;
    }

    public String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public String require(String key) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            throw new InvalidSettingException("missing setting '" + key + "' (env WEIGHTCAST_"
                    + key.toUpperCase(Locale.ROOT).replace('.', '_') + ")");
        }
        return v;
    }

    public String bootstrap() {
        return require(CommonKeys.BOOTSTRAP_SERVERS);
    }

    public io.weightcast.core.kafka.Topics topics() {
        return new io.weightcast.core.kafka.Topics(get(CommonKeys.TOPIC_PREFIX));
    }

    /** Settings under {@code prefix.} with the prefix removed (e.g. Kafka client overrides under {@code kafka.}). */
    public Map<String, String> under(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                out.put(k.substring(prefix.length() + 1), v);
            }
        });
        return out;
    }

    /**
     * A service's state directory, created if missing: the setting {@code <service>.state.dir}, else
     * {@code <data.dir>/<service>-state}, else a new temp dir (state then does not survive a restart).
     */
    public java.nio.file.Path stateDir(String service) {
        try {
            String configured = get(service + CommonKeys.STATE_DIR_SUFFIX, null);
            if (configured != null) {
                return java.nio.file.Files.createDirectories(java.nio.file.Path.of(configured));
            }
            String dataDir = get(CommonKeys.DATA_DIR);
            return dataDir != null
                    ? java.nio.file.Files.createDirectories(java.nio.file.Path.of(dataDir, service + "-state"))
                    : java.nio.file.Files.createTempDirectory("weightcast-" + service);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the " + service + " state dir", e);
        }
    }

    /**
     * A stable consumer-group instance id for a service's Kafka Streams app ({@code <service>.instance.id},
     * else host name + a hash of its state dir): with static membership a restarted instance takes
     * its partitions back at once instead of waiting out the old member's session timeout (45 s).
     * Two instances on one host have different state dirs, so their ids differ.
     */
    public String instanceId(String service, java.nio.file.Path stateDir) {
        String configured = get(service + CommonKeys.INSTANCE_ID_SUFFIX, null);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return service + "-" + host + "-" + Integer.toHexString(stateDir.toAbsolutePath().normalize().toString().hashCode());
    }

    public Map<String, String> asMap() {
        return values;
    }
}
