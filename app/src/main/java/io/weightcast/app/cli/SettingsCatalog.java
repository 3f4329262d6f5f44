package io.weightcast.app.cli;

import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.config.SettingsReference;
import io.weightcast.core.spectral.SpectralOptions;
import io.weightcast.ingest.IngestSettings;
import io.weightcast.scorer.ScorerKeys;
import io.weightcast.store.StoreKeys;
import io.weightcast.streams.StreamsKeys;
import io.weightcast.trainer.TrainerSettings;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every setting any part of Weightcast reads, by group: the source of the README's configuration reference. */
public final class SettingsCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsCatalog.class);

    /** Read by the {@code weightcast} launcher script from the environment only, before the JVM starts. */
    static final KeyGroup LAUNCHER = KeyGroup.of("launcher", "Environment variables the `weightcast` script reads before Java "
                    + "starts (`WEIGHTCAST_CONSOLE_LEVEL`, ...).",
            Key.text("console.level", "INFO", "console log level; `demo` and `eval-live` default to WARN to keep their tables readable"),
            Key.text("log.file", "<data dir>/weightcast.log", "the full log (the data dir is `--data-dir`, else `./data`)"),
            Key.text("test.bootstrap", null, "the Python client's tests: a broker for their real round trip (the test command "
                    + "starts one and sets it)"));

    public static final List<KeyGroup> ALL = List.of(CommonKeys.GROUP, LAUNCHER, IngestSettings.GROUP, StoreKeys.GROUP,
            StreamsKeys.GROUP, SpectralOptions.GROUP, ScorerKeys.GROUP, TrainerSettings.GROUP);

    /** Commands merge their settings more than once; each unknown key is worth one warning. */
    private static final java.util.Set<String> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private SettingsCatalog() {
    }

    /** The configuration reference, as the README carries it. */
    public static String markdown() {
        return SettingsReference.markdown(ALL);
    }

    /** Warns about each given key that nothing reads (a typo would otherwise be silently ignored); returns them. */
    static List<SettingsReference.Unknown> reportUnknown(Map<String, String> given) {
        List<SettingsReference.Unknown> unknown = SettingsReference.unknown(given, ALL);
        unknown.stream().filter(u -> REPORTED.add(u.key()))
                .forEach(u -> LOG.warn("unknown setting {} (see `weightcast settings`)", u));
        return unknown;
    }
}
