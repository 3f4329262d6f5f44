package io.weightcast.app.cli;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaClientSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: a properties file and single-setting overrides. */
public final class SettingsOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of settings (keys as in the README).")
    Path config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override one setting, e.g. -s trainer.min.runs=20 (beats --config and WEIGHTCAST_* env vars).")
    public Map<String, String> overrides = new LinkedHashMap<>();

    /**
     * defaults < --config file < WEIGHTCAST_* env < command-specific values < -s overrides. Also
     * installs the {@code kafka.*} client settings (TLS, SASL, ...) for every Kafka client this
     * process builds, commands' own readers and producers included, not only the services'. Keys nothing reads are
     * reported (a warning each, with the closest declared key).
     */
    public Map<String, String> merged(Map<String, String> commandValues) {
        Map<String, String> base = new LinkedHashMap<>();
        if (config != null) {
            base.putAll(Settings.load(Map.of(), config, Map.of(), Map.of()).asMap());
        }
        base.putAll(Settings.load(Map.of(), null, System.getenv(), Map.of()).asMap());
        base.putAll(commandValues);
        base.putAll(overrides);
        SettingsCatalog.reportUnknown(base);
        KafkaClientSettings.install(KafkaClientSettings.from(Settings.of(base)));
        return base;
    }
}
