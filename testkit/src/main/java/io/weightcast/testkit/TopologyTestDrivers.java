package io.weightcast.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * {@link TopologyTestDriver}s configured as the service runs its topology: the test passes the service's production
 * Streams properties (exactly-once, record sizes, compression, the settings' overrides), so a topology test checks the
 * configuration that ships instead of a hand-built one. Takes {@link Properties}, not the services, so the testkit
 * depends on no service module.
 */
public final class TopologyTestDrivers {
    private TopologyTestDrivers() {
    }

    /**
     * A driver for {@code topology} with a copy of {@code production} whose state dir is a fresh temporary directory:
     * drivers in one test (or one JVM) never share persistent stores. The bootstrap servers stay as given; the driver
     * connects nowhere.
     */
    public static TopologyTestDriver create(Topology topology, Properties production) {
        Properties p = new Properties();
        p.putAll(production);
        try {
            p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("weightcast-ttd").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TopologyTestDriver(topology, p);
    }
}
