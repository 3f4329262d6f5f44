package io.weightcast.streams;

import io.weightcast.core.config.Settings;
import java.util.Map;
import java.util.Properties;

/** The Streams properties the service runs its two topologies with, for {@code TopologyTestDrivers}. */
final class ProductionProperties {
    private ProductionProperties() {
    }

    /** The features topology's. */
    static Properties features() {
        return service().properties();
    }

    /** The spectral worker's. */
    static Properties spectra() {
        return service().spectraProperties();
    }

    private static FeatureService service() {
        return new FeatureService(Settings.of(Map.of(Settings.BOOTSTRAP, "dummy:9092")));
    }
}
