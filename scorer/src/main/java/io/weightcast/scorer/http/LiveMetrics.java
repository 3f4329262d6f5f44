package io.weightcast.scorer.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The live page's metrics, registered in the scorer's registry. */
final class LiveMetrics {
    private final Gauge clients;
    private final Counter dropped;

    LiveMetrics(PrometheusRegistry registry) {
        clients = Gauge.builder()
                .name("weightcast_scorer_live_clients")
                .help("Clients connected to the live event stream (GET /v1/events)")
                .register(registry);
        dropped = Counter.builder()
                .name("weightcast_scorer_live_dropped_clients_total")
                .help("Live clients disconnected because they fell too far behind (their event queue overflowed)")
                .register(registry);
    }

    void connected() {
        clients.inc();
    }

    void disconnected() {
        clients.dec();
    }

    void dropped() {
        dropped.inc();
    }
}
