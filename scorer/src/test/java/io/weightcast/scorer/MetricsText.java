package io.weightcast.scorer;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.service.OpsServer;

/** Reads one sample from a registry's text exposition (tests only). */
final class MetricsText {
    private MetricsText() {
    }

    /** @param series the series as written, e.g. {@code weightcast_scorer_alerts_total{kind="DYING_RELU"}}; NaN if absent */
    static double value(PrometheusRegistry registry, String series) {
        for (String line : OpsServer.scrape(registry).split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip().split(" ")[0]);
            }
        }
        return Double.NaN;
    }
}
