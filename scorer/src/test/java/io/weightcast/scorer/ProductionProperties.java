package io.weightcast.scorer;

import io.weightcast.core.config.Settings;
import java.util.Map;
import java.util.Properties;

/** The Streams properties the scorer runs its topology with, for {@code TopologyTestDrivers}. */
final class ProductionProperties {
    private ProductionProperties() {
    }

    static Properties scoring() {
        return new ScorerService(Settings.of(Map.of(Settings.BOOTSTRAP, "dummy:9092", "scorer.auth", "none"))).streamsProperties();
    }
}
