package io.weightcast.streams;

import io.weightcast.core.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streams service in a JVM of its own, for tests that must kill one for real (SIGKILL: no close, no commit):
 * {@code java -cp <the test class path> io.weightcast.streams.FeatureServiceMain key=value ...}.
 */
final class FeatureServiceMain {
    private FeatureServiceMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            settings.put(a.substring(0, eq), a.substring(eq + 1));
        }
        FeatureService service = new FeatureService(Settings.of(settings));
        service.start();
        System.out.println("streams service started");
        Thread.currentThread().join(); // until killed
    }
}
