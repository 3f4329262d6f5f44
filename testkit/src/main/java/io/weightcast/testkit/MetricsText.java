package io.weightcast.testkit;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.service.OpsServer;
import java.util.OptionalDouble;

/**
 * Samples of the Prometheus text exposition the services serve on {@code /metrics}: scraped over HTTP from a running
 * service, or written from a registry in this JVM exactly as {@code /metrics} would.
 */
public final class MetricsText {
    private MetricsText() {
    }

    /** GET /metrics on {@code port}; "" while the server cannot be reached. */
    public static String scrape(int port) {
        return Http.bodyOrEmpty(port, "/metrics");
    }

    /** The exposition of {@code registry}, as {@link OpsServer} serves it. */
    public static String scrape(PrometheusRegistry registry) {
        return OpsServer.scrape(registry);
    }

    /**
     * The value of one series, written as the exposition writes it: {@code name} or {@code name{label="v",...}}
     * (labels in the order the metric declares them). Empty when the series is not exported.
     */
    public static OptionalDouble value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series) && line.length() > series.length() && Character.isWhitespace(line.charAt(series.length()))) {
                return OptionalDouble.of(Double.parseDouble(line.substring(series.length()).strip().split("\\s+")[0]));
            }
        }
        return OptionalDouble.empty();
    }

    /** The value of a series that must be exported: an {@link AssertionError} names the one that is not. */
    public static double required(String text, String series) {
        return value(text, series).orElseThrow(() -> new AssertionError("series " + series + " is not exported"));
    }

    /** The value of a series in {@code registry}, NaN when it is not exported. */
    public static double valueOrNaN(PrometheusRegistry registry, String series) {
        return value(scrape(registry), series).orElse(Double.NaN);
    }
}
